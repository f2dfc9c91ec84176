//! Shared server state.

use crate::config::ServerConfig;
use crate::fetch::{Fetcher, UrlPolicy};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use jikji_engine::{Engine, EngineError, OcrOptions, PageResult};
use jikji_store::Store;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the server needs from an OCR engine: [`jikji_engine::Engine`] implements it; tests and the
/// load test can plug in a stand-in.
pub trait OcrBackend: Send + Sync + 'static {
    /// Recognises one page. Blocking. The page is shared, not copied: a large scan is ~100 MB.
    fn recognize(
        &self,
        image: Arc<image::RgbImage>,
        opts: &OcrOptions,
    ) -> Result<PageResult, EngineError>;
}

impl OcrBackend for Engine {
    fn recognize(
        &self,
        image: Arc<image::RgbImage>,
        opts: &OcrOptions,
    ) -> Result<PageResult, EngineError> {
        Engine::recognize_shared(self, image, opts).map(|(r, _)| r)
    }
}

/// Cheap-to-clone handle on the shared state.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: ServerConfig,
    pub store: Store,
    engine: OnceLock<Arc<dyn OcrBackend>>,
    /// Admission: `workers + queue` permits; `try_acquire` or shed.
    pub admit: Arc<Semaphore>,
    /// Running inferences: `workers` permits.
    pub workers: Arc<Semaphore>,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    pub fetcher: Fetcher,
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
        AppState(Arc::new(Shared {
            admit: Arc::new(Semaphore::new(workers + config.queue)),
            workers: Arc::new(Semaphore::new(workers)),
            config,
            store,
            engine: OnceLock::new(),
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

    /// SHA-256 of the admin token, `None` when the admin API is disabled.
    pub fn admin_token_sha256(&self) -> Option<&[u8; 32]> {
        self.0.admin_token_sha256.as_ref()
    }
}
