//! What the CLI's integration tests share: where the models and the shared test data are, a
//! fresh PostgreSQL schema, temporary directories, and `jikji serve` children that are killed
//! when dropped and waited for on `/readyz`.
//!
//! A test that lacks something it needs prints a NOTICE and returns, unless CI said it must be
//! there (`JIKJI_REQUIRE_MODELS=1`, `JIKJI_REQUIRE_POSTGRES=1`): then it fails.
#![allow(dead_code)] // each test binary uses a part of it

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use sqlx::Connection as _;

/// How long a `jikji serve` may take to load its models and answer `/readyz`.
const READY_SECS: u64 = 120;

/// `$JIKJI_MODELS` if set, else the repository's `models/`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("JIKJI_MODELS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models")))
}

/// `../shared/testdata` beside the repository.
pub fn testdata() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata"))
}

fn required(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// Whether the detector and the Korean recogniser are installed (and, with `testdata`, the
/// shared synthetic documents); else a notice naming `test`, or a failure under
/// `JIKJI_REQUIRE_MODELS=1`.
pub fn models_present(test: &str, testdata_too: bool) -> bool {
    let dir = models_dir();
    let models = dir.join("ppocrv6-small/det.onnx").exists() && dir.join("korean-rec-v1/model.onnx").exists();
    let data = !testdata_too || testdata().join("synthetic-docs").is_dir();
    if !(models && data) {
        assert!(
            !required("JIKJI_REQUIRE_MODELS"),
            "JIKJI_REQUIRE_MODELS=1 but {} missing (models under {}; run scripts/setup-models.sh)",
            if models { "the shared test data is" } else { "the models are" },
            dir.display()
        );
        eprintln!("NOTICE: models or test data absent — {test} skipped (run scripts/setup-models.sh)");
    }
    models && data
}

/// The test PostgreSQL (`$JIKJI_TEST_POSTGRES_URL`, else the project machines' default).
pub fn pg_base() -> String {
    std::env::var("JIKJI_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema: (the URL whose connections use it, its name); `None` after a notice when
/// PostgreSQL is unreachable and not required.
pub async fn pg_schema(test: &str) -> Option<(String, String)> {
    let base = pg_base();
    let conn = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&base)).await;
    let mut conn = match conn {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            assert!(
                !required("JIKJI_REQUIRE_POSTGRES"),
                "PostgreSQL at {base} is required (JIKJI_REQUIRE_POSTGRES=1) but unreachable: {why}"
            );
            eprintln!("NOTICE: PostgreSQL unreachable at {base} ({why}) — {test} skipped");
            return None;
        }
    };
    let schema = format!("jikji_{test}_{}", unique());
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.unwrap();
    let _ = conn.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((format!("{base}{sep}options[search_path]={schema}"), schema))
}

/// Drops a schema made by [`pg_schema`] (best effort).
pub async fn drop_schema(schema: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_base()).await {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn).await;
        let _ = conn.close().await;
    }
}

/// Unique within this machine: process id and time.
pub fn unique() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("jikji-cli-{tag}-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The built `jikji`, without the caller's database or data-dir settings.
pub fn jikji() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jikji"));
    c.env_remove("JIKJI_DATABASE_URL").env_remove("JIKJI_DATA_DIR");
    c
}

/// `jikji ARGS` with the models of [`models_dir`], which must succeed: its output.
pub fn jikji_ok(args: &[&str]) -> std::process::Output {
    let out = jikji().args(args).env("JIKJI_MODELS", models_dir()).output().expect("run jikji");
    assert!(out.status.success(), "jikji {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A running `jikji serve` on `base`; killed (SIGKILL) when dropped.
pub struct Serve {
    pub child: Child,
    pub base: String,
}

impl Serve {
    /// Starts `cmd` (a `jikji serve …` without `--listen`) on a free port of 127.0.0.1, with
    /// the models of [`models_dir`] and its output discarded.
    pub fn start(cmd: Command) -> Serve {
        Serve::start_on(cmd, free_port())
    }

    /// [`Serve::start`] on a port chosen before (for URLs made before the server runs).
    pub fn start_on(mut cmd: Command, port: u16) -> Serve {
        let child = cmd
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--models")
            .arg(models_dir())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start jikji serve");
        Serve { child, base: format!("http://127.0.0.1:{port}") }
    }

    /// Waits until `/readyz` answers 200 (models loaded, database open).
    pub async fn ready(&self) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let end = Instant::now() + Duration::from_secs(READY_SECS);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < end, "jikji serve on {} not ready in {READY_SECS} s", self.base);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGTERM (the server finishes its requests and writes its last usage counts), then wait.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    /// SIGKILL now, as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blank white PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([255; 3]));
    let mut c = std::io::Cursor::new(Vec::new());
    img.write_to(&mut c, image::ImageFormat::Png).unwrap();
    c.into_inner()
}
