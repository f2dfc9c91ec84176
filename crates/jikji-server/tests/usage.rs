//! Usage statistics, quota-warning webhooks and limits across replicas, against real servers
//! (in-process, stand-in engine) on SQLite and PostgreSQL.
//!
//! PostgreSQL tests get a schema of their own (`JIKJI_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`); unreachable, they are skipped with a notice unless
//! `JIKJI_REQUIRE_POSTGRES=1`.

mod common;

use common::*;
use jikji_store::{DeliveryStatus, DomainKind};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "t";
const HOOK_SECRET: &str = "hook-secret-for-tests-0123";

async fn admin_get(srv: &Srv, path: &str) -> (u16, Value) {
    let resp = srv
        .client
        .get(format!("{}{}", srv.base, path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Waits until `f` holds (polling every 50 ms), at most `secs`.
async fn wait_for<F, Fut>(secs: u64, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_numbers_equal_the_requests_made_per_code() {
    // A flush interval longer than the test: the counts are written by the explicit flush below.
    let srv = Srv::start(
        |c| {
            c.admin_token = Some(TOKEN.into());
            c.usage_flush_ms = 600_000;
        },
        Some(Fake::ok()),
    )
    .await;
    let (d, s) = srv
        .domain(DomainKind::General, |n| n.monthly_quota = Some(4))
        .await;
    let ok = json_req("V2", "a", "png", &png(30, 20));
    // PNG signature, then garbage: an unreadable image is a FAILURE image in a 200 answer.
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend_from_slice(&[7u8; 64]);
    for _ in 0..3 {
        expect_ok(srv.post_json(&d, &s, "general", &ok).await).await;
    }
    let (_, v) = expect_ok(
        srv.post_json(&d, &s, "general", &json_req("V2", "b", "png", &broken))
            .await,
    )
    .await;
    assert_eq!(v["images"][0]["inferResult"], "FAILURE", "{v}");
    for _ in 0..2 {
        expect_error(srv.post_json(&d, &s, "general", &ok).await, "0023").await;
    }
    expect_error(srv.post_json(&d, &s, "general", "{").await, "0011").await;
    expect_error(srv.post_json(&d, &s, "infer", &ok).await, "0022").await;
    // a wrong secret is not the domain's call: not counted
    expect_error(srv.post_json(&d, "wrong", "general", &ok).await, "0002").await;

    let today = jikji_calendar::current_day();
    let path = format!("/admin/v1/domains/{}/usage/daily?from={today}&to={today}", d.id);
    let (st, before) = admin_get(&srv, &path).await;
    assert_eq!((st, before["total"]["calls"].as_i64()), (200, Some(0)), "{before}");
    assert_eq!(srv.state.usage.flush(&srv.store).await.unwrap(), 8);

    let (st, r) = admin_get(&srv, &path).await;
    assert_eq!(st, 200, "{r}");
    let t = &r["total"];
    assert_eq!(t["calls"], 8, "{r}");
    assert_eq!(t["successes"], 3);
    assert_eq!(t["failures"], 5);
    assert_eq!(t["pages"], 3, "the FAILURE image has no page read");
    assert_eq!(
        t["outcomes"],
        serde_json::json!({"success": 3, "FAILURE": 1, "0023": 2, "0011": 1, "0022": 1})
    );
    assert_eq!(t["operations"]["general"]["calls"], 7);
    assert_eq!(t["operations"]["infer"]["calls"], 1);
    assert_eq!(t["latency"]["count"], 4, "the four 200 answers: {r}");
    let (p50, p99) = (
        t["latency"]["p50_ms"].as_f64().unwrap(),
        t["latency"]["p99_ms"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99 && p99 < 10_000.0, "{r}");
    assert_eq!(r["days"].as_array().unwrap().len(), 1);
    assert_eq!(r["days"][0]["day"], today.as_str());
    assert_eq!(r["days"][0]["calls"], 8);

    // the monthly rows (`jikji domain usage`) come from the same flush
    let month = srv.store.usage(d.id, Some(&jikji_calendar::current_month())).await.unwrap();
    let calls: i64 = month.iter().map(|r| r.calls).sum();
    let failures: i64 = month.iter().map(|r| r.failures).sum();
    assert_eq!((calls, failures), (8, 5), "{month:?}");

    for bad in [
        format!("/admin/v1/domains/{}/usage/daily?from=2026-02-30", d.id),
        format!("/admin/v1/domains/{}/usage/daily?from=2026-03-02&to=2026-03-01", d.id),
        format!("/admin/v1/domains/{}/usage/daily?from=2024-01-01&to=2026-01-01", d.id),
        "/admin/v1/domains/x/usage/daily".to_string(),
    ] {
        let (st, v) = admin_get(&srv, &bad).await;
        assert_eq!((st, v["error"].as_str()), (400, Some("invalid")), "{bad}: {v}");
    }
    let (st, _) = admin_get(&srv, "/admin/v1/domains/999999/usage/daily").await;
    assert_eq!(st, 404);
}

/// A tiny webhook receiver: every request's headers and body.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>);

impl Received {
    fn list(&self) -> Vec<(axum::http::HeaderMap, Vec<u8>)> {
        self.0.lock().unwrap().clone()
    }
    fn events(&self) -> Vec<String> {
        self.list()
            .iter()
            .map(|(h, _)| h["x-jikji-event"].to_str().unwrap().to_string())
            .collect()
    }
}

async fn start_receiver(listener: tokio::net::TcpListener) -> Received {
    let got = Received::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    sink.0.lock().unwrap().push((headers, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

/// Every received delivery is signed with the secret; returns the bodies.
fn verified_bodies(got: &Received) -> Vec<Value> {
    got.list()
        .iter()
        .map(|(h, body)| {
            let sig = h["x-jikji-signature"].to_str().unwrap();
            assert!(
                jikji_server::webhook::verify(HOOK_SECRET.as_bytes(), body, sig),
                "bad signature {sig}"
            );
            assert!(!jikji_server::webhook::verify(b"another secret", body, sig));
            serde_json::from_slice(body).unwrap()
        })
        .collect()
}

fn hook_config(c: &mut jikji_server::ServerConfig, port: u16) {
    c.admin_token = Some(TOKEN.into());
    c.quota_webhook_url = Some(format!("http://127.0.0.1:{port}/hook"));
    c.quota_webhook_secret = Some(HOOK_SECRET.into());
    c.quota_webhook_allow_loopback = true;
    c.webhook_retry_base_ms = 100;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_warnings_reach_a_receiver_that_was_down_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = jikji_store::Store::default_database_url(dir.path());
    // A port with nobody listening: the receiver is down.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut a = Srv::start_db(|c| hook_config(c, port), Some(Fake::ok()), Some(db.clone())).await;
    let (d, s) = a
        .domain(DomainKind::General, |n| n.monthly_quota = Some(10))
        .await;
    let body = json_req("V2", "a", "png", &png(30, 20));
    for _ in 0..8 {
        expect_ok(a.post_json(&d, &s, "general", &body).await).await;
    }
    // 80 % reached: queued, and retried while the receiver is down
    let store = a.store.clone();
    wait_for(15, "failed attempts", || {
        let store = store.clone();
        async move {
            let l = store.list_deliveries(Some(d.id), 10).await.unwrap();
            l.len() == 1 && l[0].attempts >= 2 && l[0].status == DeliveryStatus::Pending
        }
    })
    .await;
    let log = a.store.list_deliveries(Some(d.id), 10).await.unwrap();
    assert_eq!(log[0].event, "quota.80");
    assert!(log[0].last_error.as_deref().is_some_and(|e| !e.is_empty()), "{log:?}");
    // the replica stops with the warning undelivered
    a.shutdown();
    a.task.take().unwrap().await.unwrap().unwrap();
    drop(a);

    let got = start_receiver(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    let b = Srv::start_db(|c| hook_config(c, port), Some(Fake::ok()), Some(db)).await;
    wait_for(15, "the 80 % warning", || {
        let got = got.clone();
        async move { got.list().len() == 1 }
    })
    .await;
    for _ in 0..2 {
        expect_ok(b.post_json(&d, &s, "general", &body).await).await;
    }
    expect_error(b.post_json(&d, &s, "general", &body).await, "0023").await;
    wait_for(15, "the 100 % warning", || {
        let got = got.clone();
        async move { got.list().len() >= 2 }
    })
    .await;
    // more calls over the quota, and time for any duplicate to show up
    expect_error(b.post_json(&d, &s, "general", &body).await, "0023").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(got.events(), ["quota.80", "quota.100"], "once each");
    let bodies = verified_bodies(&got);
    assert_eq!(bodies[0]["thresholdPercent"], 80);
    assert_eq!(bodies[0]["used"], 8);
    assert_eq!(bodies[1]["thresholdPercent"], 100);
    assert_eq!(bodies[1]["used"], 10);
    assert_eq!(bodies[1]["monthlyQuota"], 10);
    assert_eq!(bodies[1]["domainId"], d.id);
    assert_eq!(bodies[1]["month"], jikji_calendar::current_month().as_str());

    let (st, log) = admin_get(&b, &format!("/admin/v1/webhooks/deliveries?domain_id={}", d.id)).await;
    assert_eq!(st, 200, "{log}");
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e["status"] == "delivered"), "{log:?}");
    let first = log.iter().find(|e| e["event"] == "quota.80").unwrap();
    assert!(first["attempts"].as_i64().unwrap() >= 3, "{first}");
    assert_eq!(first["last_http_status"], 204);
    let (st, _) = admin_get(&b, "/admin/v1/webhooks/deliveries?limit=0").await;
    assert_eq!(st, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_url_on_a_private_address_needs_explicit_permission() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let got = start_receiver(listener).await;
    let srv = Srv::start(
        |c| {
            hook_config(c, port);
            c.quota_webhook_allow_loopback = false;
        },
        Some(Fake::ok()),
    )
    .await;
    let (d, s) = srv
        .domain(DomainKind::General, |n| n.monthly_quota = Some(1))
        .await;
    expect_ok(srv.post_json(&d, &s, "general", &json_req("V2", "a", "png", &png(30, 20))).await).await;
    let store = srv.store.clone();
    wait_for(10, "a refused attempt", || {
        let store = store.clone();
        async move {
            store.list_deliveries(Some(d.id), 10).await.unwrap().iter().any(|l| {
                l.last_error.as_deref().is_some_and(|e| e.contains("loopback"))
            })
        }
    })
    .await;
    assert!(got.list().is_empty(), "nothing reached the loopback receiver");
}

// ---- two replicas on one PostgreSQL database --------------------------------------------------

/// `n` calls spread over the replicas at once; the codes answered (`ok` for 200).
async fn burst(replicas: &[&Srv], d: &jikji_store::Domain, secret: &str, n: usize) -> Vec<String> {
    let body = json_req("V2", "a", "png", &png(30, 20));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let srv = replicas[i % replicas.len()];
            let (client, url) = (srv.client.clone(), srv.url(d, "general"));
            let (secret, body) = (secret.to_string(), body.clone());
            tokio::spawn(async move {
                let resp = client
                    .post(url)
                    .header(SECRET_HEADER, secret)
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                if resp.status() == 200 {
                    "ok".to_string()
                } else {
                    let v: Value = resp.json().await.unwrap();
                    v["code"].as_str().unwrap().to_string()
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn count(codes: &[String], code: &str) -> usize {
    codes.iter().filter(|c| *c == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_the_quota_the_rate_limit_and_the_warnings() {
    let Some((url, schema)) = pg_schema("usage").await else {
        return;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let got = start_receiver(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    let cfg = |c: &mut jikji_server::ServerConfig| {
        hook_config(c, port);
        c.workers = 4;
        c.queue = 64;
    };
    let a = Srv::start_db(cfg, Some(Fake::ok()), Some(url.clone())).await;
    let b = Srv::start_db(cfg, Some(Fake::ok()), Some(url.clone())).await;

    // quota 10 over both replicas: exactly 10 answers, then 0023
    let (d, s) = a
        .domain(DomainKind::General, |n| n.monthly_quota = Some(10))
        .await;
    let codes = burst(&[&a, &b], &d, &s, 24).await;
    assert_eq!((count(&codes, "ok"), count(&codes, "0023")), (10, 14), "{codes:?}");
    // each warning once, although both replicas saw the levels
    wait_for(15, "both warnings", || {
        let got = got.clone();
        async move { got.list().len() >= 2 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut events = got.events();
    events.sort();
    assert_eq!(events, ["quota.100", "quota.80"]);
    verified_bodies(&got);

    // 1 call/s with a bucket of 5 over both replicas: 5 calls pass (6 if a token refills during
    // the burst); per-process buckets would let 10 through
    let (r, rs) = a
        .domain(DomainKind::General, |n| {
            n.rate_limit_per_sec = Some(1.0);
            n.rate_burst = Some(5);
        })
        .await;
    let codes = burst(&[&a, &b], &r, &rs, 20).await;
    let passed = count(&codes, "ok");
    assert!((5..=6).contains(&passed), "{passed} passed: {codes:?}");
    assert_eq!(passed + count(&codes, "0025"), 20, "{codes:?}");

    // usage statistics of both replicas add up
    a.state.usage.flush(&a.store).await.unwrap();
    b.state.usage.flush(&b.store).await.unwrap();
    let today = jikji_calendar::current_day();
    let report = a.store.usage_daily(d.id, &today, &today).await.unwrap();
    assert_eq!(report.total.calls, 24);
    assert_eq!(report.total.outcomes.get("success"), Some(&10));
    assert_eq!(report.total.outcomes.get("0023"), Some(&14));
    assert_eq!(report.total.latency.count, 10);

    // the shared bucket's cost per call (one upsert), measured on this server
    let n = 200;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        a.store.take_rate_token(r.id, 1e9, 1e9).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let mut pings = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        a.store.ping().await.unwrap();
        pings.push(t.elapsed());
    }
    pings.sort();
    eprintln!(
        "shared rate limit: median {:?}, p99 {:?} per call; a SELECT 1 round trip: median {:?}, p99 {:?} (PostgreSQL, loopback)",
        times[n / 2],
        times[n * 99 / 100],
        pings[n / 2],
        pings[n * 99 / 100]
    );
    drop((a, b));
    drop_schema(&schema).await;
}

/// When the shared bucket cannot be read (its table gone, as in a database hiccup), each process
/// falls back to its own bucket: the limit still holds per process, and traffic is not stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limit_falls_back_to_the_process_bucket_when_the_database_fails() {
    let Some((url, schema)) = pg_schema("ratefallback").await else {
        return;
    };
    let a = Srv::start_db(|c| c.queue = 64, Some(Fake::ok()), Some(url.clone())).await;
    let (r, rs) = a
        .domain(DomainKind::General, |n| {
            n.rate_limit_per_sec = Some(0.5);
            n.rate_burst = Some(3);
        })
        .await;
    sqlx::query("ALTER TABLE rate_buckets RENAME TO rate_buckets_gone")
        .execute(&mut <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap())
        .await
        .unwrap();
    assert!(a.store.take_rate_token(r.id, 1.0, 3.0).await.is_err(), "the shared bucket is unreadable");
    let codes = burst(&[&a], &r, &rs, 8).await;
    let passed = count(&codes, "ok");
    // a bucket of 3 refilling at 0.5/s: 3 pass (4 if a token refills during the burst)
    assert!((3..=4).contains(&passed), "{passed} passed: {codes:?}");
    assert_eq!(passed + count(&codes, "0025"), 8, "{codes:?}");
    drop(a);
    drop_schema(&schema).await;
}
