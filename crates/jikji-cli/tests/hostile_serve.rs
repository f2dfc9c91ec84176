//! Hostile files against a real `jikji serve` (the built binary, its sandboxed PDF renderer, the real
//! engine): nine flate-bomb PDFs at once, then the other attacks one by one. Every request gets a CLOVA
//! answer within the request timeout, the server stays up and keeps serving, and its peak RSS stays
//! under 1.5 GiB.
//!
//! Needs the models (`scripts/setup-models.sh`): without them the test fails when
//! `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use jikji_image::fixtures;

/// The service's default request timeout.
const TIMEOUT_SECS: u64 = 60;

struct Server {
    child: Child,
    base: String,
    general: String,
    secret: String,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn models_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models"))
}

fn models_present() -> bool {
    let dir = models_dir();
    let present = dir.join("ppocrv6-small/det.onnx").exists()
        && dir.join("korean-rec-v1/model.onnx").exists();
    if !present {
        assert!(
            std::env::var("JIKJI_REQUIRE_MODELS").as_deref() != Ok("1"),
            "JIKJI_REQUIRE_MODELS=1 but the models are missing under {} (run scripts/setup-models.sh)",
            dir.display()
        );
        eprintln!("NOTICE: models absent — hostile_serve skipped (run scripts/setup-models.sh)");
    }
    present
}

fn start(workers: usize) -> Server {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("jikji-hostile-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_jikji");
    let out = Command::new(bin)
        .args(["domain", "create", "--name", "hostile", "--json", "--data-dir"])
        .arg(&dir)
        .env_remove("JIKJI_DATABASE_URL")
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
    let child = Command::new(bin)
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("--models")
        .arg(models_dir())
        .args(["--workers", &workers.to_string(), "--queue", "16"])
        .env_remove("JIKJI_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        base,
        general,
        secret,
        _dir: TempDir(dir),
    }
}

fn peak_rss_mib(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn wait_ready(client: &reqwest::Client, s: &Server) {
    let end = Instant::now() + Duration::from_secs(120);
    while Instant::now() < end {
        if let Ok(r) = client.get(format!("{}/readyz", s.base)).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("jikji serve did not become ready");
}

/// Sends `bytes` as General OCR (JSON body, base64 data); returns the HTTP status, the JSON answer
/// and the time it took.
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

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([255; 3])));
    let mut c = std::io::Cursor::new(Vec::new());
    img.write_to(&mut c, image::ImageFormat::Png).unwrap();
    c.into_inner()
}

#[test]
fn nine_flate_bombs_at_once_and_every_other_attack() {
    if !models_present() {
        return;
    }
    let s = start(2);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(TIMEOUT_SECS + 30))
            .build()
            .unwrap();
        wait_ready(&client, &s).await;
        let pid = s.child.id();
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
