//! A real S3-compatible server for tests: `s3s-fs` (installed from crates.io by `.ci/run`, see
//! `scripts/install-test-tools.sh`), started on a free loopback port over a temporary directory and
//! stopped when dropped. Not a mock: the tests talk S3 over HTTP to it, signed, path style.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{S3Location, S3Settings};

/// The access key of the test server.
pub const ACCESS_KEY: &str = "jikji-test-access";
/// Its secret key.
pub const SECRET_KEY: &str = "jikji-test-secret-key-0123456789";

/// A running `s3s-fs`.
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// The directory it stores buckets in (one sub-directory per bucket).
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `s3s-fs` on the `PATH` or in `~/.cargo/bin`.
fn binary() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join("s3s-fs")).find(|p| p.is_file())
}

impl S3Server {
    /// Starts `s3s-fs` with `buckets` created. `None` (with a notice) when the binary is missing,
    /// unless `JIKJI_REQUIRE_S3=1` (CI), where that is a failure.
    pub fn start(buckets: &[&str]) -> Option<S3Server> {
        let Some(bin) = binary() else {
            assert!(
                std::env::var("JIKJI_REQUIRE_S3").as_deref() != Ok("1"),
                "JIKJI_REQUIRE_S3=1 but s3s-fs is not installed (scripts/install-test-tools.sh)"
            );
            eprintln!("NOTICE: s3s-fs not installed — S3 tests skipped (scripts/install-test-tools.sh; JIKJI_REQUIRE_S3=1 makes this fail)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("s3");
        for b in buckets {
            std::fs::create_dir_all(root.join(b)).expect("bucket dir");
        }
        // A free port: bind, read it, release it (s3s-fs takes a port number, not a socket). Another
        // process may take the port in between, and s3s-fs then exits: start again on another port.
        for _ in 0..3 {
            let port = unused_port();
            let mut child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(&root)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start s3s-fs");
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut exited = false;
            while !listening(port) {
                if child.try_wait().ok().flatten().is_some() {
                    exited = true;
                    break;
                }
                assert!(Instant::now() < deadline, "s3s-fs did not start listening within 20 s");
                std::thread::sleep(Duration::from_millis(50));
            }
            // Something answers; it is ours only if our s3s-fs is still running a moment later (one
            // that could not bind exits at once, while another server answers on the port).
            std::thread::sleep(Duration::from_millis(200));
            if exited || child.try_wait().ok().flatten().is_some() {
                continue;
            }
            return Some(S3Server {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                root,
                _dir: dir,
            });
        }
        panic!("s3s-fs exited at start three times (ports taken?)");
    }

    /// Settings with this server's endpoint and keys.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(SECRET_KEY.into()),
        }
    }

    /// A location in one of its buckets (endpoint included, path style).
    pub fn location(&self, bucket: &str, prefix: &str) -> S3Location {
        S3Location {
            bucket: bucket.into(),
            prefix: prefix.into(),
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            path_style: true,
        }
    }
}

/// Whether something other than the probe itself accepts connections on `port`. A connect to a port
/// nobody listens on can succeed on Linux by connecting to itself (the kernel may pick the same port,
/// from the ephemeral range, as the probe's source) — the likely cause of a CI run where s3s-fs seemed
/// ready and the first request failed with "error sending request".
/// A free port never handed out before in this process: bind port 0, read it, release it (s3s-fs
/// takes a port number, not a socket). Tests run in parallel threads, and the kernel may give the port
/// just released to the next bind: two servers on one port made a test talk to the other test's
/// server, which was gone when that test ended (CI: `S3("error sending request")` on the first put).
fn unused_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

fn listening(port: u16) -> bool {
    match std::net::TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s.local_addr().ok() != s.peer_addr().ok(),
        Err(_) => false,
    }
}
