//! Batch jobs through the admin API, worked on by the server's own batch workers: over a local folder
//! (real engine, results equal to the online API's), over an S3 bucket (a real S3-compatible server,
//! s3s-fs), state changes, bad requests, and the monthly quota pausing a job.

mod common;

use common::*;
use jikji_batch::testing::S3Server;
use jikji_store::DomainKind;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "batch-test-admin-token-0123456789abcdef";

async fn admin(srv: &Srv, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = srv
        .client
        .request(method, format!("{}{path}", srv.base))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Polls the job until it is in `state` (panics after `secs`).
async fn wait_for(srv: &Srv, id: i64, state: &str, secs: u64) -> Value {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let (s, job) = admin(srv, reqwest::Method::GET, &format!("/admin/v1/batch/jobs/{id}"), None).await;
        assert_eq!(s, 200, "{job}");
        if job["state"] == state {
            return job;
        }
        assert!(Instant::now() < end, "job not {state} after {secs} s: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn write_pngs(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(format!("{i:03}.png")), png(64, 32)).unwrap();
    }
}

fn results(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn folder_job_gives_the_online_api_results_and_a_summary() {
    let Some(engine) = real_engine() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let (input, output) = (work.path().join("in"), work.path().join("out"));
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::copy(testdata("korean_real/images/easyocr_korean.png"), input.join("korean.png")).unwrap();
    std::fs::copy(testdata("sroie/images/000.jpg"), input.join("sub/receipt.jpg")).unwrap();
    std::fs::write(input.join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    std::fs::write(input.join("notes.txt"), b"not an input").unwrap();
    let root = work.path().to_path_buf();
    let srv = Srv::start(
        move |c| {
            c.admin_token = Some(TOKEN.into());
            c.batch_local_roots = vec![root];
        },
        Some(engine),
    )
    .await;
    let (d, secret) = srv.general().await;
    let (s, job) = admin(
        &srv,
        reqwest::Method::POST,
        "/admin/v1/batch/jobs",
        Some(json!({"domain_id": d.id, "source": {"folder": input}, "output": {"folder": output}})),
    )
    .await;
    assert_eq!(s, 201, "{job}");
    assert_eq!((job["total"].as_i64(), job["operation"].as_str()), (Some(3), Some("general")));
    let id = job["id"].as_i64().unwrap();
    let job = wait_for(&srv, id, "done", 300).await;
    assert_eq!((job["done"].as_i64(), job["failed"].as_i64(), job["progress"].as_f64()), (Some(3), Some(0), Some(1.0)));
    assert_eq!(
        results(&output),
        vec!["broken.png.json", "job-1-summary.csv", "job-1-summary.json", "korean.png.json", "sub"]
    );
    assert_eq!(results(&output.join("sub")), vec!["receipt.jpg.json"]);

    // The same JSON as the online API for the same file (uid and timestamp aside).
    let batch: Value = serde_json::from_slice(&std::fs::read(output.join("korean.png.json")).unwrap()).unwrap();
    let bytes = std::fs::read(input.join("korean.png")).unwrap();
    let (_, online) = expect_ok(
        srv.post_json(&d, &secret, "general", &json_req("V2", "korean", "png", &bytes)).await,
    )
    .await;
    assert_eq!(skeleton(&batch), skeleton(&online));
    let texts = |v: &Value| -> Vec<String> {
        v["images"][0]["fields"].as_array().unwrap().iter().map(|f| f["inferText"].as_str().unwrap().to_string()).collect()
    };
    assert!(!texts(&batch).is_empty());
    assert_eq!(texts(&batch), texts(&online));
    assert_eq!(batch["images"][0]["name"], "korean");
    let broken: Value = serde_json::from_slice(&std::fs::read(output.join("broken.png.json")).unwrap()).unwrap();
    assert_eq!(broken["images"][0]["inferResult"], "FAILURE");

    let csv = std::fs::read_to_string(output.join("job-1-summary.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "file,status,pages,seconds,error_code,error_message");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with("broken.png,FAILURE,"), "{csv}");
    assert!(lines[2].starts_with("korean.png,SUCCESS,1,"), "{csv}");
    assert!(lines[3].starts_with("sub/receipt.jpg,SUCCESS,1,"), "{csv}");
    let summary: Value = serde_json::from_slice(&std::fs::read(output.join("job-1-summary.json")).unwrap()).unwrap();
    assert_eq!((summary["state"].as_str(), summary["succeeded"].as_u64(), summary["failed"].as_u64()), (Some("done"), Some(2), Some(1)));
    // Batch calls count in the domain's usage like online ones.
    // Usage is counted in memory and written by the flusher (every `usage_flush_ms`).
    let end = Instant::now() + Duration::from_secs(10);
    let calls = loop {
        let usage = srv.store.usage(d.id, None).await.unwrap();
        let calls = usage.iter().map(|u| u.calls).sum::<i64>();
        if calls >= 4 || Instant::now() > end {
            break calls;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(calls, 4, "3 batch inputs + 1 online call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_bucket_job_writes_results_to_a_bucket() {
    let Some(s3) = S3Server::start(&["scans", "results"]) else {
        return;
    };
    let settings = s3.settings();
    let srv = Srv::start(
        move |c| {
            c.admin_token = Some(TOKEN.into());
            c.s3 = settings;
        },
        Some(Fake::ok()),
    )
    .await;
    let put = jikji_batch::s3::S3Client::new(&s3.location("scans", "2026/12"), &s3.settings()).unwrap();
    for name in ["a.png", "b/c.png", "d.jpg"] {
        put.put(name, png(40, 20), "image/png").await.unwrap();
    }
    let (d, _) = srv.general().await;
    let (s, job) = admin(
        &srv,
        reqwest::Method::POST,
        "/admin/v1/batch/jobs",
        Some(json!({
            "domain_id": d.id,
            "source": {"s3": {"bucket": "scans", "prefix": "2026/12/"}},
            "output": {"s3": {"bucket": "results", "prefix": "out"}},
        })),
    )
    .await;
    assert_eq!(s, 201, "{job}");
    assert_eq!(job["total"], 3);
    assert!(!job.to_string().contains(jikji_batch::testing::SECRET_KEY), "no credential in the job");
    let id = job["id"].as_i64().unwrap();
    wait_for(&srv, id, "done", 60).await;
    let out = jikji_batch::s3::S3Client::new(&s3.location("results", "out"), &s3.settings()).unwrap();
    let v: Value = serde_json::from_slice(&out.get("b/c.png.json", 1 << 20).await.unwrap()).unwrap();
    assert_eq!((v["images"][0]["name"].as_str(), v["images"][0]["inferResult"].as_str()), (Some("c"), Some("SUCCESS")));
    assert_eq!(v["images"][0]["fields"][1]["inferText"], "world");
    let csv = String::from_utf8(out.get(&format!("job-{id}-summary.csv"), 1 << 20).await.unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let stored: Vec<String> = walk(&s3.root.join("results/out"));
    assert_eq!(stored, vec!["a.png.json", "b/c.png.json", "d.jpg.json", "job-1-summary.csv", "job-1-summary.json"]);
}

/// Every file under `dir`, relative, sorted.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_pause_resume_cancel_and_bad_requests() {
    let work = tempfile::tempdir().unwrap();
    let (input, output) = (work.path().join("in"), work.path().join("out"));
    write_pngs(&input, 12);
    let root = work.path().to_path_buf();
    let srv = Srv::start(
        move |c| {
            c.admin_token = Some(TOKEN.into());
            c.batch_local_roots = vec![root];
        },
        Some(Fake::slow(150)),
    )
    .await;
    let (d, _) = srv.general().await;
    let (doc, _) = srv.domain(DomainKind::Document(vec![jikji_store::DocKind::Receipt, jikji_store::DocKind::Passport]), |_| {}).await;
    let post = |body: Value| admin(&srv, reqwest::Method::POST, "/admin/v1/batch/jobs", Some(body));
    let folder = |p: &Path| json!({"folder": p});

    // Refused: outside the roots, unknown domain, operation the domain does not serve, an empty
    // folder, a document domain with several models and no operation, unknown members.
    for (body, why) in [
        (json!({"domain_id": d.id, "source": {"folder": "/etc"}, "output": folder(&output)}), "batch_local_roots"),
        (json!({"domain_id": d.id, "source": folder(&input), "output": {"folder": "/tmp/elsewhere"}}), "batch_local_roots"),
        (json!({"domain_id": 999_999, "source": folder(&input), "output": folder(&output)}), "no domain"),
        (json!({"domain_id": d.id, "operation": "document/receipt", "source": folder(&input), "output": folder(&output)}), "cannot serve"),
        (json!({"domain_id": d.id, "source": folder(&work.path().join("none")), "output": folder(&output)}), "input folder"),
        (json!({"domain_id": doc.id, "source": folder(&input), "output": folder(&output)}), "several models"),
        (json!({"domain_id": d.id, "source": folder(&input), "output": folder(&output), "extra": 1}), "unknown field"),
        (json!({"domain_id": d.id, "source": {"s3": {"bucket": "NO"}}, "output": folder(&output)}), "bucket name"),
    ] {
        let (s, e) = post(body).await;
        assert_eq!(s, 400, "{e}");
        assert_eq!(e["error"], "invalid");
        assert!(e["message"].as_str().unwrap().contains(why), "{e}");
    }
    let (s, _) = admin(&srv, reqwest::Method::GET, "/admin/v1/batch/jobs/12345", None).await;
    assert_eq!(s, 404);
    let (s, _) = admin(&srv, reqwest::Method::POST, "/admin/v1/batch/jobs/x/pause", None).await;
    assert_eq!(s, 400);
    let s = srv.client.get(format!("{}/admin/v1/batch/jobs", srv.base)).send().await.unwrap().status();
    assert_eq!(s, 401, "the admin token is required");

    let (s, job) = post(json!({"domain_id": d.id, "source": folder(&input), "output": folder(&output), "lang": "en"})).await;
    assert_eq!(s, 201, "{job}");
    let id = job["id"].as_i64().unwrap();
    let path = |a: &str| format!("/admin/v1/batch/jobs/{id}/{a}");
    let (s, j) = admin(&srv, reqwest::Method::POST, &path("pause"), None).await;
    assert_eq!((s, j["state"].as_str()), (200, Some("paused")));
    let (s, e) = admin(&srv, reqwest::Method::POST, &path("pause"), None).await;
    assert_eq!((s, e["error"].as_str()), (409, Some("conflict")));
    // Paused: nothing new starts (an item in flight may still finish).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, a) = admin(&srv, reqwest::Method::GET, &format!("/admin/v1/batch/jobs/{id}"), None).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, b) = admin(&srv, reqwest::Method::GET, &format!("/admin/v1/batch/jobs/{id}"), None).await;
    assert_eq!(a["done"], b["done"], "{a} {b}");
    assert!(b["eta_secs"].is_null());
    let (s, j) = admin(&srv, reqwest::Method::POST, &path("cancel"), None).await;
    assert_eq!((s, j["state"].as_str()), (200, Some("cancelled")));
    let (s, _) = admin(&srv, reqwest::Method::POST, &path("cancel"), None).await;
    assert_eq!(s, 409);
    // The summary of a cancelled job lists what did not run as pending.
    let csv_path = output.join(format!("job-{id}-summary.csv"));
    let end = Instant::now() + Duration::from_secs(10);
    while !csv_path.exists() {
        assert!(Instant::now() < end, "no summary for the cancelled job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(std::fs::read_to_string(&csv_path).unwrap().contains(",pending,"));
    let (s, j) = admin(&srv, reqwest::Method::POST, &path("resume"), None).await;
    assert_eq!((s, j["state"].as_str()), (200, Some("queued")));
    let job = wait_for(&srv, id, "done", 60).await;
    assert_eq!(job["done"], 12);
    let names = results(&output);
    assert_eq!(names.iter().filter(|n| n.ends_with(".png.json")).count(), 12, "{names:?}");
    let (s, e) = admin(&srv, reqwest::Method::POST, &path("resume"), None).await;
    assert_eq!((s, e["error"].as_str()), (409, Some("conflict")), "a done job stays done");
    let (s, list) = admin(&srv, reqwest::Method::GET, "/admin/v1/batch/jobs?state=done&limit=5", None).await;
    assert_eq!((s, list.as_array().map(Vec::len)), (200, Some(1)));
    let (s, _) = admin(&srv, reqwest::Method::GET, "/admin/v1/batch/jobs?limit=0", None).await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_monthly_quota_pauses_a_job() {
    let work = tempfile::tempdir().unwrap();
    let (input, output) = (work.path().join("in"), work.path().join("out"));
    write_pngs(&input, 5);
    let root = work.path().to_path_buf();
    let srv = Srv::start(
        move |c| {
            c.admin_token = Some(TOKEN.into());
            c.batch_local_roots = vec![root];
        },
        Some(Fake::ok()),
    )
    .await;
    let (d, _) = srv.domain(DomainKind::General, |n| n.monthly_quota = Some(2)).await;
    let (s, job) = admin(
        &srv,
        reqwest::Method::POST,
        "/admin/v1/batch/jobs",
        Some(json!({"domain_id": d.id, "source": {"folder": input}, "output": {"folder": output}})),
    )
    .await;
    assert_eq!(s, 201, "{job}");
    // Another worker may have claimed the next item before the job paused: it gives that item back
    // a moment later, so wait until none is running.
    let id = job["id"].as_i64().unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    let job = loop {
        let job = wait_for(&srv, id, "paused", 30).await;
        if job["running"] == 0 || Instant::now() > end {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((job["done"].as_i64(), job["pending"].as_i64()), (Some(2), Some(3)), "{job}");
    assert!(job["error"].as_str().unwrap().contains("quota"));
    assert_eq!(results(&output).len(), 2, "no result for the inputs over the quota");
}
