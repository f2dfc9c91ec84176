//! A request that times out, or whose client goes away, frees its worker at the next stage instead of
//! keeping it busy until the OCR finishes (the stand-in engine checks the token between 5 ms slices,
//! as the real engine does between stages).

mod common;

use common::*;
use std::time::{Duration, Instant};

async fn in_flight(srv: &Srv) -> i64 {
    let text = srv
        .client
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("jikji_inference_in_flight "))
        .and_then(|v| v.trim().parse().ok())
        .expect("in-flight gauge")
}

/// Waits up to `within` for the in-flight gauge to reach 0; returns how long it took.
async fn idle_within(srv: &Srv, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < within {
        if in_flight(srv).await == 0 {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_request_frees_its_worker() {
    let srv = Srv::start(
        |c| {
            c.request_timeout_secs = 1;
            c.workers = 1;
        },
        Some(Fake::slow(8000)),
    )
    .await;
    let (g, gs) = srv.general().await;
    let t = Instant::now();
    expect_error(
        srv.post_json(&g, &gs, "general", &json_req("V2", "a", "png", &png(30, 20)))
            .await,
        "0501",
    )
    .await;
    assert!(t.elapsed() < Duration::from_millis(2500), "{:?}", t.elapsed());
    // Without cancellation the worker would stay busy for 7 more seconds.
    let freed = idle_within(&srv, Duration::from_secs(2)).await;
    assert!(freed.is_some(), "the worker is still busy after the timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_frees_its_worker() {
    let srv = Srv::start(|c| c.workers = 1, Some(Fake::slow(8000))).await;
    let (g, gs) = srv.general().await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let r = impatient
        .post(srv.url(&g, "general"))
        .header(SECRET_HEADER, gs.as_str())
        .header("Content-Type", "application/json")
        .body(json_req("V2", "a", "png", &png(30, 20)))
        .send()
        .await;
    assert!(r.is_err(), "the client gave up first");
    let freed = idle_within(&srv, Duration::from_secs(3)).await;
    assert!(freed.is_some(), "the worker is still busy after the client left");
}
