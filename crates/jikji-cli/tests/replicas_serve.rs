//! Two real `jikji serve` processes (the built binary, the real engine) on one PostgreSQL database:
//! the monthly quota and the rate limit hold across both, and `jikji usage` reports the calls of
//! both after they stop.
//!
//! Needs the models (`scripts/setup-models.sh`) and PostgreSQL (`JIKJI_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; the test works in a schema of its own). Without them
//! it is skipped with a notice, or fails under `JIKJI_REQUIRE_MODELS=1` / `JIKJI_REQUIRE_POSTGRES=1`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sqlx::Connection as _;

/// `$JIKJI_MODELS`, else the repository's `models/`.
fn models_dir() -> PathBuf {
    std::env::var_os("JIKJI_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models")))
}

fn models_present() -> bool {
    let dir = models_dir();
    let present = dir.join("ppocrv6-small/det.onnx").exists()
        && dir.join("korean-rec-v1/model.onnx").exists();
    if !present {
        assert!(
            std::env::var("JIKJI_REQUIRE_MODELS").as_deref() != Ok("1"),
            "JIKJI_REQUIRE_MODELS=1 but the models are missing under {}",
            dir.display()
        );
        eprintln!("NOTICE: models absent — replicas_serve skipped (run scripts/setup-models.sh)");
    }
    present
}

fn pg_base() -> String {
    std::env::var("JIKJI_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema's URL, or `None` (after a notice) when PostgreSQL is unreachable and not required.
async fn pg_schema() -> Option<(String, String)> {
    let base = pg_base();
    let required = std::env::var("JIKJI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let conn = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&base)).await;
    let mut conn = match conn {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timeout".into(),
            };
            assert!(!required, "PostgreSQL required but unreachable at {base}: {why}");
            eprintln!("NOTICE: PostgreSQL unreachable at {base} ({why}); replicas_serve skipped");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("jikji_replicas_{}_{nanos}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((format!("{base}{sep}options[search_path]={schema}"), schema))
}

fn jikji(db: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_jikji"))
        .args(args)
        .args(["--database-url", db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&out.stdout).into()))
}

struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    fn start(db: &str) -> Replica {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_jikji"))
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", db])
            .arg("--models")
            .arg(models_dir())
            .args(["--workers", "1", "--queue", "32"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Replica {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGTERM (the server finishes, writes its last usage counts) and wait.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

async fn wait_ready(client: &reqwest::Client, r: &Replica) {
    let end = Instant::now() + Duration::from_secs(120);
    while Instant::now() < end {
        if let Ok(resp) = client.get(format!("{}/readyz", r.base)).send().await {
            if resp.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("jikji serve did not become ready");
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([255; 3])));
    let mut c = std::io::Cursor::new(Vec::new());
    img.write_to(&mut c, image::ImageFormat::Png).unwrap();
    c.into_inner()
}

/// `n` General calls at once, alternating between the replicas; the answers' codes (`ok` for 200).
async fn burst(client: &reqwest::Client, replicas: &[&Replica], domain: &serde_json::Value, n: usize) -> Vec<String> {
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
    if !models_present() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some((db, schema)) = rt.block_on(pg_schema()) else {
        return;
    };
    let quota = jikji(&db, &["domain", "create", "--name", "quota", "--monthly-quota", "10", "--json"]);
    let rate = jikji(&db, &["domain", "create", "--name", "rate", "--rate-limit", "1", "--burst", "4", "--json"]);
    let a = Replica::start(&db);
    let b = Replica::start(&db);
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        wait_ready(&client, &a).await;
        wait_ready(&client, &b).await;
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
    rt.block_on(async {
        if let Ok(mut c) = sqlx::PgConnection::connect(&pg_base()).await {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut c)
                .await;
        }
    });
}
