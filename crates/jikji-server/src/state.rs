//! Shared server state.

use crate::config::ServerConfig;
use crate::fetch::{Fetcher, UrlPolicy};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use jikji_store::Store;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the server needs from an OCR engine: the pipeline's page reader. [`jikji_engine::Engine`]
/// implements it; tests and the load test plug in a stand-in.
pub use jikji_pipeline::PageReader as OcrBackend;

/// What the server needs for `enableTableDetection`: the pipeline's table stage
/// ([`jikji_table::TablePool`] in `jikji serve`; tests plug in a stand-in).
pub use jikji_pipeline::TableReader as TableBackend;

/// Cheap-to-clone handle on the shared state.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: ServerConfig,
    pub store: Store,
    engine: OnceLock<Arc<dyn OcrBackend>>,
    /// The table stage (`enableTableDetection`); unset until its models are loaded.
    tables: OnceLock<Arc<dyn TableBackend>>,
    /// The program that renders PDF pages in a resource-limited child process (`jikji` itself, in its
    /// `render-pdf` mode); unset, PDFs are rendered in this process (tests, embedding).
    pdf_renderer: OnceLock<std::path::PathBuf>,
    /// Admission: `workers + queue` permits; `try_acquire` or shed.
    pub admit: Arc<Semaphore>,
    /// Running inferences: `workers` permits.
    pub workers: Arc<Semaphore>,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    pub fetcher: Fetcher,
    /// Calls counted for the usage statistics until the next flush (`usage.rs`).
    pub usage: crate::usage::UsageRecorder,
    /// Quota warnings this process queued, and its webhook worker's wake-up (`webhook.rs`).
    pub raised: crate::webhook::Raised,
    /// The webhook's HTTP client, under the webhook's own address policy.
    pub webhook_fetcher: Fetcher,
    /// Template external validators' HTTP client, under the validation policy (`validation.rs`).
    pub validation_fetcher: Fetcher,
    admin_token_sha256: Option<[u8; 32]>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State without an engine (`/readyz` answers 503 and OCR requests 0501 until [`set_engine`]).
    ///
    /// [`set_engine`]: AppState::set_engine
    pub fn new(config: ServerConfig, store: Store) -> AppState {
        let workers = config.workers.max(1);
        let fetcher = Fetcher::new(
            UrlPolicy {
                allow_private: config.allow_private_urls,
                allow_loopback: config.allow_loopback_urls,
            },
            config.max_image_bytes(),
            config.url_max_redirects,
            Duration::from_secs(config.url_timeout_secs.max(1)),
        );
        let admin_token_sha256 = config
            .admin_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Sha256::digest(t.as_bytes()).into());
        let webhook_fetcher = crate::webhook::fetcher(&config);
        let validation_fetcher = crate::validation::fetcher(&config);
        AppState(Arc::new(Shared {
            validation_fetcher,
            usage: Default::default(),
            raised: Default::default(),
            webhook_fetcher,
            admit: Arc::new(Semaphore::new(workers + config.queue)),
            workers: Arc::new(Semaphore::new(workers)),
            config,
            store,
            engine: OnceLock::new(),
            tables: OnceLock::new(),
            pdf_renderer: OnceLock::new(),
            limiter: RateLimiter::default(),
            metrics: Metrics::new(),
            fetcher,
            admin_token_sha256,
        }))
    }

    /// Installs the engine (once; later calls are ignored).
    pub fn set_engine(&self, engine: Arc<dyn OcrBackend>) {
        let _ = self.0.engine.set(engine);
    }

    pub fn with_engine(self, engine: Arc<dyn OcrBackend>) -> AppState {
        self.set_engine(engine);
        self
    }

    pub fn engine(&self) -> Option<Arc<dyn OcrBackend>> {
        self.0.engine.get().cloned()
    }

    /// Installs the table stage (once; later calls are ignored).
    pub fn set_tables(&self, tables: Arc<dyn TableBackend>) {
        let _ = self.0.tables.set(tables);
    }

    pub fn with_tables(self, tables: Arc<dyn TableBackend>) -> AppState {
        self.set_tables(tables);
        self
    }

    pub fn tables(&self) -> Option<Arc<dyn TableBackend>> {
        self.0.tables.get().cloned()
    }

    /// Renders PDF pages with `program render-pdf …` in a child process limited in memory and CPU
    /// (once; later calls are ignored). `jikji serve` passes its own executable.
    pub fn set_pdf_renderer(&self, program: std::path::PathBuf) {
        let _ = self.0.pdf_renderer.set(program);
    }

    /// Decoder limits of one request: the configured bounds, with the PDF renderer sandboxed when a
    /// renderer program is set.
    pub fn image_limits(&self) -> jikji_image::Limits {
        let mut limits = self.config.image_limits();
        if let Some(p) = self.0.pdf_renderer.get() {
            limits.pdf_renderer = jikji_image::PdfRenderer::Sandboxed(p.clone());
        }
        limits
    }

    /// SHA-256 of the admin token, `None` when the admin API is disabled.
    pub fn admin_token_sha256(&self) -> Option<&[u8; 32]> {
        self.0.admin_token_sha256.as_ref()
    }
}
