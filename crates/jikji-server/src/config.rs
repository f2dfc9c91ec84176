//! Server configuration: one struct, read from a TOML file (`--config jikji.toml`) and overridden by
//! flags and `JIKJI_*` environment variables in the CLI. Documented in `docs/configuration.md`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// The shortest admin token `jikji serve` accepts. The admin API can create domains and read every
/// domain's usage, so its token must not be guessable: 32 characters is what `openssl rand -hex 16`
/// prints (128 bits), and failed attempts are throttled besides (`admin.rs`). Shorter tokens are
/// refused at start-up with a message naming this minimum (see `docs/configuration.md`).
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// Everything `jikji serve` can be configured with. Every field has a default; a TOML file may set any
/// subset (unknown keys are an error, so typos do not go unnoticed).
///
/// `Debug` is written by hand: it masks the admin token and the database password, so that a
/// `{:?}` in a log line or a panic message cannot leak them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Directory for the SQLite database (`jikji.db`) when no `database_url` is given.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; default: SQLite under `data_dir`.
    pub database_url: Option<String>,
    /// Model directory laid out by `scripts/setup-models.sh`.
    pub models: PathBuf,
    /// Detection model set (`ppocrv6-small`, `ppocrv6-small-int8`, `ppocrv6-tiny`, `ppocrv5`).
    pub model_set: String,
    /// Concurrent inference workers.
    pub workers: usize,
    /// ONNX Runtime threads per worker.
    pub threads_per_worker: usize,
    /// The CPU cores the OCR engine may keep busy; unset: all of the machine's. Above a worker's
    /// threads, a request read while a core is idle borrows it (one request on two cores uses both;
    /// see `jikji_engine::EngineConfig::cores`).
    pub cores: Option<usize>,
    /// Requests allowed to wait for a worker. Admission capacity is `workers + queue`; beyond it
    /// requests are shed at once with 0025 (see `jikji_clova::uncertain::SHED_CODE`).
    pub queue: usize,
    /// Bearer token of the admin API (`/admin/v1/...`); the admin API is disabled when unset.
    /// At least [`MIN_ADMIN_TOKEN_LEN`] characters ([`ServerConfig::validate`]).
    pub admin_token: Option<String>,
    /// Wrong admin tokens a client address may send before it must wait (1 s, doubling up to
    /// 5 min) between admin requests; a correct token resets its count. See `admin::LoginThrottle`.
    pub admin_auth_free_failures: u32,
    /// Allow image URLs that resolve to private, loopback or link-local addresses (never metadata).
    pub allow_private_urls: bool,
    /// Allow image URLs that resolve to loopback addresses only (tests, local setups).
    pub allow_loopback_urls: bool,
    /// Largest request body in MiB (a 50 MiB image is ~67 MiB as base64).
    pub max_body_mb: u64,
    /// Largest image file in MiB (decoded `data`, multipart `file` or downloaded URL).
    pub max_image_mb: u64,
    /// Largest page in pixels.
    pub max_pixels: u64,
    /// Longest page side in pixels.
    pub max_side: u32,
    /// Most pages of a PDF/TIFF on General OCR (the spec's limit is 10).
    pub max_pages: usize,
    /// PDF rendering resolution.
    pub pdf_dpi: f32,
    /// Seconds a request may take from admission to response (0501 after that).
    pub request_timeout_secs: u64,
    /// Seconds an image URL download may take, redirects included.
    pub url_timeout_secs: u64,
    /// Redirects followed (each re-checked) when downloading an image URL.
    pub url_max_redirects: usize,
    /// Seconds to wait for in-flight requests on shutdown.
    pub shutdown_grace_secs: u64,
    /// Seconds a client has to send a request's headers; slow or idle connections are closed after it.
    pub header_read_timeout_secs: u64,
    /// Behind a TLS-terminating reverse proxy: trust its `X-Forwarded-Proto: https` and mark the
    /// console's session cookie `Secure`. Off by default (a client could send the header itself).
    pub trust_forwarded_proto: bool,
    /// Batch workers of this process (0: this process works on no batch job). Each works on one
    /// input at a time and takes an inference worker only while no online call waits for one.
    pub batch_workers: usize,
    /// Seconds a batch worker holds an input before another process may take it over (a worker
    /// that died). Must be longer than `request_timeout_secs`, the longest an input is worked on.
    pub batch_lease_secs: u64,
    /// Local folders that batch jobs created through the admin API may read and write (none: only
    /// S3 sources and outputs). `jikji batch` on the command line may use any folder.
    pub batch_local_roots: Vec<PathBuf>,
    /// Object storage for batch jobs: default endpoint and region, and the credentials (unset
    /// fields: `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).
    pub s3: jikji_batch::S3Settings,
    /// Milliseconds between two writes of the usage counters counted in memory (see `usage.rs`).
    pub usage_flush_ms: u64,
    /// Where quota warnings (80 % and 100 % of a domain's monthly quota) are POSTed; none: not sent.
    pub quota_webhook_url: Option<String>,
    /// HMAC-SHA256 key of the `X-Jikji-Signature` header of every webhook (see `webhook.rs`).
    pub quota_webhook_secret: Option<String>,
    /// Allow the webhook URL to resolve to private (RFC 1918, ULA, CGNAT) or loopback addresses.
    pub quota_webhook_allow_private: bool,
    /// Allow the webhook URL to resolve to loopback addresses.
    pub quota_webhook_allow_loopback: bool,
    /// Wait before the first retry of a failed webhook, in ms; it doubles with every attempt.
    pub webhook_retry_base_ms: u64,
    /// Attempts of a webhook before it is logged as failed.
    pub webhook_max_attempts: u32,
    /// How long a Template OCR call waits for a template's external validator (`validationUrl`)
    /// before the image is answered `UNCHECKED` (see `validation.rs`).
    pub validation_timeout_ms: u64,
    /// Allow validation URLs to resolve to private (RFC 1918, ULA, CGNAT) or loopback addresses.
    pub validation_allow_private: bool,
    /// Allow validation URLs to resolve to loopback addresses.
    pub validation_allow_loopback: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            models: PathBuf::from("./models"),
            model_set: "ppocrv6-small".into(),
            workers: 1,
            threads_per_worker: 1,
            cores: None,
            queue: 8,
            admin_token: None,
            admin_auth_free_failures: 5,
            allow_private_urls: false,
            allow_loopback_urls: false,
            max_body_mb: 70,
            max_image_mb: 50,
            max_pixels: 50_000_000,
            max_side: 20_000,
            max_pages: jikji_clova::uncertain::MAX_GENERAL_PAGES,
            pdf_dpi: 200.0,
            request_timeout_secs: 60,
            url_timeout_secs: 10,
            url_max_redirects: 5,
            shutdown_grace_secs: 30,
            header_read_timeout_secs: 30,
            trust_forwarded_proto: false,
            batch_workers: 1,
            batch_lease_secs: 300,
            batch_local_roots: Vec::new(),
            s3: jikji_batch::S3Settings::default(),
            usage_flush_ms: 1000,
            quota_webhook_url: None,
            quota_webhook_secret: None,
            quota_webhook_allow_private: false,
            quota_webhook_allow_loopback: false,
            webhook_retry_base_ms: 5000,
            webhook_max_attempts: 10,
            validation_timeout_ms: jikji_clova::uncertain::VALIDATION_TIMEOUT_MS,
            validation_allow_private: false,
            validation_allow_loopback: false,
        }
    }
}

/// Shown instead of a secret (the admin token, a database password).
pub use jikji_store::{mask_database_url, MASK};

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.redacted();
        let mut d = f.debug_struct("ServerConfig");
        // Every field, so that a new one is not forgotten: `redacted()` did the masking.
        let ServerConfig {
            listen,
            data_dir,
            database_url,
            models,
            model_set,
            workers,
            threads_per_worker,
            cores,
            queue,
            admin_token,
            admin_auth_free_failures,
            allow_private_urls,
            allow_loopback_urls,
            max_body_mb,
            max_image_mb,
            max_pixels,
            max_side,
            max_pages,
            pdf_dpi,
            request_timeout_secs,
            url_timeout_secs,
            url_max_redirects,
            shutdown_grace_secs,
            header_read_timeout_secs,
            trust_forwarded_proto,
            batch_workers,
            batch_lease_secs,
            batch_local_roots,
            s3,
            usage_flush_ms,
            quota_webhook_url,
            quota_webhook_secret,
            quota_webhook_allow_private,
            quota_webhook_allow_loopback,
            webhook_retry_base_ms,
            webhook_max_attempts,
            validation_timeout_ms,
            validation_allow_private,
            validation_allow_loopback,
        } = &shown;
        d.field("listen", listen)
            .field("data_dir", data_dir)
            .field("database_url", database_url)
            .field("models", models)
            .field("model_set", model_set)
            .field("workers", workers)
            .field("threads_per_worker", threads_per_worker)
            .field("cores", cores)
            .field("queue", queue)
            .field("admin_token", admin_token)
            .field("admin_auth_free_failures", admin_auth_free_failures)
            .field("allow_private_urls", allow_private_urls)
            .field("allow_loopback_urls", allow_loopback_urls)
            .field("max_body_mb", max_body_mb)
            .field("max_image_mb", max_image_mb)
            .field("max_pixels", max_pixels)
            .field("max_side", max_side)
            .field("max_pages", max_pages)
            .field("pdf_dpi", pdf_dpi)
            .field("request_timeout_secs", request_timeout_secs)
            .field("url_timeout_secs", url_timeout_secs)
            .field("url_max_redirects", url_max_redirects)
            .field("shutdown_grace_secs", shutdown_grace_secs)
            .field("header_read_timeout_secs", header_read_timeout_secs)
            .field("trust_forwarded_proto", trust_forwarded_proto)
            .field("batch_workers", batch_workers)
            .field("batch_lease_secs", batch_lease_secs)
            .field("batch_local_roots", batch_local_roots)
            .field("s3", s3)
            .field("usage_flush_ms", usage_flush_ms)
            .field("quota_webhook_url", quota_webhook_url)
            .field("quota_webhook_secret", quota_webhook_secret)
            .field("quota_webhook_allow_private", quota_webhook_allow_private)
            .field("quota_webhook_allow_loopback", quota_webhook_allow_loopback)
            .field("webhook_retry_base_ms", webhook_retry_base_ms)
            .field("webhook_max_attempts", webhook_max_attempts)
            .field("validation_timeout_ms", validation_timeout_ms)
            .field("validation_allow_private", validation_allow_private)
            .field("validation_allow_loopback", validation_allow_loopback)
            .finish()
    }
}

impl ServerConfig {
    /// A copy safe to show: the admin token replaced by [`MASK`], the database password masked
    /// (what `jikji serve --print-config` prints and `Debug` shows).
    pub fn redacted(&self) -> ServerConfig {
        let mut c = self.clone();
        if c.admin_token.is_some() {
            c.admin_token = Some(MASK.into());
        }
        c.database_url = c.database_url.as_deref().map(mask_database_url);
        if c.s3.secret_access_key.is_some() {
            c.s3.secret_access_key = Some(MASK.into());
        }
        if c.quota_webhook_secret.is_some() {
            c.quota_webhook_secret = Some(MASK.into());
        }
        c
    }

    /// Checks what cannot be served safely; the message says what to change.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(u) = self.quota_webhook_url.as_deref() {
            let url = reqwest::Url::parse(u.trim())
                .map_err(|e| format!("quota_webhook_url is not a URL: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err("quota_webhook_url must be an http(s) URL".into());
            }
            if self.quota_webhook_secret.as_deref().map_or(0, |s| s.trim().len()) < 16 {
                return Err(
                    "quota_webhook_url needs a quota_webhook_secret of at least 16 characters \
                     (receivers check the X-Jikji-Signature HMAC with it; `openssl rand -hex 32`)"
                        .into(),
                );
            }
        }
        if let Some(t) = self.admin_token.as_deref() {
            let n = t.trim().chars().count();
            if n < MIN_ADMIN_TOKEN_LEN {
                return Err(format!(
                    "the admin token is {n} characters long; at least {MIN_ADMIN_TOKEN_LEN} are required \
                     (generate one with `openssl rand -hex 32`), or leave it unset to disable the admin API"
                ));
            }
        }
        if self.batch_workers > 0 && self.batch_lease_secs <= self.request_timeout_secs {
            return Err(format!(
                "batch_lease_secs ({}) must be longer than request_timeout_secs ({}): a batch input \
                 is worked on for up to the request timeout, and a shorter lease would let a second \
                 worker take it over meanwhile",
                self.batch_lease_secs, self.request_timeout_secs
            ));
        }
        Ok(())
    }

    /// Reads a TOML file.
    pub fn from_toml_file(path: &std::path::Path) -> Result<ServerConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_toml_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_toml_str(text: &str) -> Result<ServerConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The configuration as TOML (what `jikji serve --print-config` shows).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn max_body_bytes(&self) -> usize {
        (self.max_body_mb.max(1) as usize).saturating_mul(1024 * 1024)
    }

    pub fn max_image_bytes(&self) -> usize {
        (self.max_image_mb.max(1) as usize).saturating_mul(1024 * 1024)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// Decoder limits for General OCR.
    pub fn image_limits(&self) -> jikji_image::Limits {
        jikji_image::Limits {
            max_bytes: self.max_image_bytes(),
            max_pixels: self.max_pixels,
            max_side: self.max_side,
            max_pages: self
                .max_pages
                .clamp(1, jikji_clova::uncertain::MAX_GENERAL_PAGES),
            max_decode_time: Duration::from_secs(self.request_timeout_secs.max(1)),
            pdf_dpi: self.pdf_dpi,
            ..jikji_image::Limits::default()
        }
    }

    /// The database URL to open: `database_url`, else SQLite under `data_dir`.
    pub fn effective_database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| jikji_store::Store::default_database_url(&self.data_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_roundtrip_and_unknown_keys() {
        let c = ServerConfig::from_toml_str(
            "listen = \"0.0.0.0:9\"\nworkers = 3\nadmin_token = \"t\"\n",
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9");
        assert_eq!(c.workers, 3);
        assert_eq!(c.queue, ServerConfig::default().queue);
        assert!(ServerConfig::from_toml_str("lisen = 1").is_err());
        let s = toml::to_string(&ServerConfig::default()).unwrap();
        assert_eq!(
            ServerConfig::from_toml_str(&s).unwrap(),
            ServerConfig::default()
        );
    }

    const TOKEN: &str = "0123456789abcdef0123456789abcdef-admin";

    fn with_secrets() -> ServerConfig {
        ServerConfig {
            admin_token: Some(TOKEN.into()),
            database_url: Some("postgres://jikji:pa%40ss-w0rd@db.internal:5432/jikji".into()),
            s3: jikji_batch::S3Settings {
                access_key_id: Some("AKIDJIKJI".into()),
                secret_access_key: Some("s3-secret-w0rd".into()),
                ..Default::default()
            },
            quota_webhook_url: Some("https://hooks.example.com/jikji".into()),
            quota_webhook_secret: Some("hook-secret-0123456789".into()),
            ..ServerConfig::default()
        }
    }

    #[test]
    fn debug_masks_secrets() {
        let c = with_secrets();
        let d = format!("{c:?} {c:#?}");
        assert!(!d.contains(TOKEN) && !d.contains("w0rd") && !d.contains("hook-secret"), "{d}");
        assert!(d.contains("db.internal") && d.contains(MASK), "{d}");
        assert!(d.contains("max_pages"), "every field is shown: {d}");
    }

    #[test]
    fn redacted_toml_masks_secrets_and_keeps_the_rest() {
        let c = with_secrets();
        let t = c.redacted().to_toml();
        assert!(!t.contains(TOKEN) && !t.contains("w0rd") && !t.contains("hook-secret"), "{t}");
        assert!(
            t.contains("postgres://jikji:<redacted>@db.internal:5432/jikji"),
            "{t}"
        );
        let back = ServerConfig::from_toml_str(&t).unwrap();
        assert_eq!(back.workers, c.workers);
        // the original is untouched
        assert_eq!(c.admin_token.as_deref(), Some(TOKEN));
    }

    #[test]
    fn short_admin_tokens_are_refused() {
        let mut c = ServerConfig::default();
        assert!(c.validate().is_ok(), "no token: the admin API is off");
        c.admin_token = Some("short".into());
        let e = c.validate().unwrap_err();
        assert!(
            e.contains(&MIN_ADMIN_TOKEN_LEN.to_string()) && !e.contains("short"),
            "{e}"
        );
        c.admin_token = Some(format!("  {}  ", "x".repeat(MIN_ADMIN_TOKEN_LEN - 1)));
        assert!(c.validate().is_err(), "spaces do not count");
        c.admin_token = Some("x".repeat(MIN_ADMIN_TOKEN_LEN));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn webhooks_need_an_http_url_and_a_secret() {
        let mut c = ServerConfig {
            quota_webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..ServerConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("quota_webhook_secret"));
        c.quota_webhook_secret = Some("0123456789abcdef".into());
        assert!(c.validate().is_ok());
        c.quota_webhook_url = Some("file:///etc/passwd".into());
        assert!(c.validate().is_err());
        c.quota_webhook_url = Some("not a url".into());
        assert!(c.validate().is_err());
    }
}
