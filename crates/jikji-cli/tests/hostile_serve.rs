//! Hostile files against a real `jikji serve` (the built binary, its sandboxed PDF renderer, the real
//! engine): nine flate-bomb PDFs at once, then the other attacks one by one. Every request gets a CLOVA
//! answer within the request timeout, the server stays up and keeps serving, and its peak RSS stays
//! under 1.5 GiB.
//!
//! Needs the models (`scripts/setup-models.sh`): without them the test fails when
//! `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

use std::time::{Duration, Instant};

use base64::Engine as _;
use jikji_image::fixtures;

mod support;
use support::{free_port, models_present, png, Serve, TempDir};

/// The service's default request timeout.
const TIMEOUT_SECS: u64 = 60;

struct Server {
    serve: Serve,
    general: String,
    secret: String,
    _dir: TempDir,
}

fn start(workers: usize) -> Server {
    let dir = TempDir::new("hostile");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let out = support::jikji()
        .args(["domain", "create", "--name", "hostile", "--json", "--data-dir"])
        .arg(dir.path())
        .env("JIKJI_PUBLIC_URL", &base)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let general = v["operation_urls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u.as_str())
        .find(|u| u.ends_with("/general"))
        .unwrap()
        .to_string();
    let secret = v["secret"].as_str().unwrap().to_string();
    let mut cmd = support::jikji();
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--workers", &workers.to_string(), "--queue", "16"]);
    Server {
        serve: Serve::start_on(cmd, port),
        general,
        secret,
        _dir: dir,
    }
}

fn peak_rss_mib(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn ocr(
    client: &reqwest::Client,
    (url, secret): (&str, &str),
    format: &str,
    bytes: &[u8],
) -> (u16, serde_json::Value, Duration) {
    let body = serde_json::json!({
        "version": "V2", "requestId": "hostile", "timestamp": 0,
        "images": [{"format": format, "name": "h",
                    "data": base64::engine::general_purpose::STANDARD.encode(bytes)}]
    });
    let t = Instant::now();
    let r = client
        .post(url)
        .header("X-OCR-SECRET", secret)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.expect("a JSON answer");
    (status, v, t.elapsed())
}

fn code(v: &serde_json::Value) -> String {
    v["code"].as_str().unwrap_or("").to_string()
}

#[test]
fn nine_flate_bombs_at_once_and_every_other_attack() {
    if !models_present("hostile_serve", false) {
        return;
    }
    let s = start(2);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(TIMEOUT_SECS + 30))
            .build()
            .unwrap();
        s.serve.ready().await;
        let pid = s.serve.child.id();
        let before = peak_rss_mib(pid);

        // Nine 3 GiB flate bombs at once.
        let bomb = fixtures::flate_bomb_pdf(3 << 30);
        let mut tasks = Vec::new();
        for _ in 0..9 {
            let (client, bomb) = (client.clone(), bomb.clone());
            let (url, secret) = (s.general.clone(), s.secret.clone());
            tasks.push(tokio::spawn(async move {
                ocr(&client, (&url, &secret), "pdf", &bomb).await
            }));
        }
        for t in tasks {
            let (status, v, took) = t.await.unwrap();
            assert_eq!((status, code(&v).as_str()), (400, "0011"), "{v}");
            assert!(took < Duration::from_secs(TIMEOUT_SECS), "{took:?}");
        }
        let peak = peak_rss_mib(pid);
        eprintln!("server peak RSS: {before:.0} MiB before, {peak:.0} MiB after nine bombs");
        assert!(peak < 1536.0, "server peak RSS {peak:.0} MiB");

        // The other attacks, one by one: each a CLOVA answer within the timeout.
        let attacks: Vec<(&str, &str, Vec<u8>, &[&str])> = vec![
            ("5000 pages", "pdf", fixtures::many_pages_pdf(5000), &["0011"]),
            ("huge MediaBox", "pdf", fixtures::huge_mediabox_pdf(), &["SUCCESS"]),
            ("recursive XObjects", "pdf", fixtures::recursive_xobject_pdf(), &["SUCCESS", "FAILURE", "0011"]),
            ("TIFF header bomb", "tiff", fixtures::tiff_header_only(100_000, 100_000), &["0011"]),
            ("PNG header bomb", "png", fixtures::png_header_only(100_000, 100_000), &["0011"]),
            ("JPEG header bomb", "jpg", fixtures::jpeg_header_only(65_000, 65_000), &["0011"]),
            ("truncated PDF", "pdf", fixtures::small_pdf()[..12].to_vec(), &["FAILURE", "0011"]),
            ("truncated PNG", "png", png(300, 200)[..60].to_vec(), &["FAILURE", "0011"]),
        ];
        for (name, format, bytes, want) in attacks {
            let (status, v, took) = ocr(&client, (&s.general, &s.secret), format, &bytes).await;
            let got = if status == 200 {
                v["images"][0]["inferResult"].as_str().unwrap_or("").to_string()
            } else {
                code(&v)
            };
            assert!(want.contains(&got.as_str()), "{name}: HTTP {status} {v}");
            assert!(took < Duration::from_secs(TIMEOUT_SECS), "{name}: {took:?}");
        }

        // Still serving.
        let (status, v, _) = ocr(&client, (&s.general, &s.secret), "png", &png(200, 100)).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["images"][0]["inferResult"], "SUCCESS");
        let peak = peak_rss_mib(pid);
        assert!(peak < 1536.0, "server peak RSS {peak:.0} MiB");
    });
}
