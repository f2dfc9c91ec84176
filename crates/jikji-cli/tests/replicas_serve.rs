//! Two real `jikji serve` processes (the built binary, the real engine) on one PostgreSQL database:
//! the monthly quota and the rate limit hold across both, and `jikji usage` reports the calls of
//! both after they stop.
//!
//! Needs the models (`scripts/setup-models.sh`) and PostgreSQL (`JIKJI_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; the test works in a schema of its own). Without them
//! it is skipped with a notice, or fails under `JIKJI_REQUIRE_MODELS=1` / `JIKJI_REQUIRE_POSTGRES=1`.

use std::time::Duration;

use base64::Engine as _;

mod support;
use support::{models_present, pg_schema, png, Serve};

fn jikji(db: &str, args: &[&str]) -> serde_json::Value {
    let out = support::jikji()
        .args(args)
        .args(["--database-url", db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&out.stdout).into()))
}

/// `jikji serve` on `db`, one worker.
fn replica(db: &str) -> Serve {
    let mut cmd = support::jikji();
    cmd.arg("serve").args(["--database-url", db]).args(["--workers", "1", "--queue", "32"]);
    Serve::start(cmd)
}

/// `n` General calls at once, alternating between the replicas; the answers' codes (`ok` for 200).
async fn burst(client: &reqwest::Client, replicas: &[&Serve], domain: &serde_json::Value, n: usize) -> Vec<String> {
    let id = domain["domain"]["id"].as_i64().unwrap();
    let key = domain["domain"]["invoke_key"].as_str().unwrap().to_string();
    let secret = domain["secret"].as_str().unwrap().to_string();
    let body = serde_json::json!({
        "version": "V2", "requestId": "r", "timestamp": 0,
        "images": [{"format": "png", "name": "p",
                    "data": base64::engine::general_purpose::STANDARD.encode(png(64, 32))}]
    });
    let mut tasks = Vec::new();
    for i in 0..n {
        let url = format!("{}/custom/v1/{id}/{key}/general", replicas[i % replicas.len()].base);
        let (client, secret, body) = (client.clone(), secret.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("X-OCR-SECRET", secret)
                .json(&body)
                .send()
                .await
                .unwrap();
            let ok = r.status().is_success();
            let v: serde_json::Value = r.json().await.unwrap();
            if ok {
                "ok".to_string()
            } else {
                v["code"].as_str().unwrap_or("?").to_string()
            }
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes
}

fn count(codes: &[String], c: &str) -> usize {
    codes.iter().filter(|x| *x == c).count()
}

#[test]
fn quota_and_rate_limit_hold_across_two_serve_processes() {
    if !models_present("replicas_serve", false) {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some((db, schema)) = rt.block_on(pg_schema("replicas_serve")) else {
        return;
    };
    let quota = jikji(&db, &["domain", "create", "--name", "quota", "--monthly-quota", "10", "--json"]);
    let rate = jikji(&db, &["domain", "create", "--name", "rate", "--rate-limit", "1", "--burst", "4", "--json"]);
    let a = replica(&db);
    let b = replica(&db);
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        a.ready().await;
        b.ready().await;
        let codes = burst(&client, &[&a, &b], &quota, 20).await;
        assert_eq!((count(&codes, "ok"), count(&codes, "0023")), (10, 10), "{codes:?}");
        // 1 call/s, bucket 4: four pass (five if a token refills during the burst); two
        // per-process buckets would let eight through
        let codes = burst(&client, &[&a, &b], &rate, 12).await;
        let passed = count(&codes, "ok");
        assert!((4..=5).contains(&passed), "{passed}: {codes:?}");
        assert_eq!(passed + count(&codes, "0025"), 12, "{codes:?}");
    });
    a.stop();
    b.stop();
    // both replicas' counts, written on shutdown
    let id = quota["domain"]["id"].as_i64().unwrap().to_string();
    let report = jikji(&db, &["usage", "--domain", &id, "--format", "json"]);
    let total = &report["total"];
    assert_eq!(total["calls"], 20, "{report}");
    assert_eq!(total["outcomes"]["success"], 10, "{report}");
    assert_eq!(total["outcomes"]["0023"], 10, "{report}");
    assert_eq!(total["latency"]["count"], 10, "{report}");
    let csv = jikji(&db, &["usage", "--domain", &id, "--format", "csv"]);
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("day,calls,pages,"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("total,20,")), "{csv}");
    rt.block_on(support::drop_schema(&schema));
}
