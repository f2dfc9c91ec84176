//! `jikji serve`: the CLOVA-compatible HTTP service.
//!
//! Configuration, lowest to highest precedence: built-in defaults, the TOML file (`--config`), then
//! flags and `JIKJI_*` environment variables (documented in `docs/configuration.md`). The server
//! listens at once; `/readyz` turns ready when the models are loaded (OCR calls answer 0501 before).
//! SIGTERM / ctrl-c stop accepting connections and finish in-flight requests.

use anyhow::Context as _;
use jikji_server::{AppState, ServerConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// No `Debug`: the arguments hold the admin token and the database URL (with its password).
#[derive(clap::Args)]
pub struct Args {
    /// TOML configuration file (any subset of the keys in docs/configuration.md).
    #[arg(long, env = "JIKJI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "JIKJI_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Data directory; the SQLite database is DATA_DIR/jikji.db [default: ./data].
    #[arg(long, env = "JIKJI_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite:PATH or postgres://…); overrides --data-dir.
    #[arg(
        long,
        env = "JIKJI_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Model directory (scripts/setup-models.sh) [default: ./models].
    #[arg(long, env = "JIKJI_MODELS", value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Korean line recogniser directory (`model.onnx` + `charset.txt`, e.g.
    /// `../shared/models/korean-rec-v2-preview`) [default: MODELS/korean-rec-v1].
    #[arg(long, env = "JIKJI_KOREAN_MODEL", value_name = "DIR")]
    pub korean_model: Option<PathBuf>,
    /// Decode unsure Korean lines greedily only, without the Hangul syllable model's beam search (on by
    /// default; see `models/korean-lm/README.md`).
    #[arg(long, env = "JIKJI_NO_KOREAN_LM")]
    pub no_korean_lm: bool,
    /// Detection model set: ppocrv6-small, ppocrv6-small-int8, ppocrv6-tiny or ppocrv5 [default: ppocrv6-small].
    #[arg(long, env = "JIKJI_MODEL_SET", value_name = "NAME")]
    pub model_set: Option<String>,
    /// Concurrent inference workers [default: 1].
    #[arg(long, env = "JIKJI_WORKERS")]
    pub workers: Option<usize>,
    /// ONNX Runtime threads per worker [default: 1].
    #[arg(long, env = "JIKJI_THREADS_PER_WORKER")]
    pub threads_per_worker: Option<usize>,
    /// CPU cores the OCR engine may keep busy [default: all]. Above a worker's threads, a request read
    /// while a core is idle borrows it: one request on two cores uses both, and with every worker
    /// busy each keeps to its own threads.
    #[arg(long, env = "JIKJI_CORES")]
    pub cores: Option<usize>,
    /// Where the models run: cpu, cuda or cuda:N (the GPU runtime from `scripts/setup-models.sh
    /// --gpu`). A GPU that cannot be used falls back to the CPU with a message saying why.
    #[arg(long, env = "JIKJI_DEVICE", default_value = "cpu", value_name = "DEVICE")]
    pub device: jikji_engine::Device,
    /// Requests allowed to wait for a worker; beyond workers+queue, requests are shed with 0025 [default: 8].
    #[arg(long, env = "JIKJI_QUEUE")]
    pub queue: Option<usize>,
    /// Bearer token of the admin API (/admin/v1), at least 32 characters (`openssl rand -hex 32`);
    /// the admin API is disabled without one.
    #[arg(
        long,
        env = "JIKJI_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub admin_token: Option<String>,
    /// Allow image URLs resolving to private/loopback/link-local addresses (metadata stays refused).
    #[arg(long, env = "JIKJI_ALLOW_PRIVATE_URLS")]
    pub allow_private_urls: bool,
    /// Allow image URLs resolving to loopback addresses.
    #[arg(long, env = "JIKJI_ALLOW_LOOPBACK_URLS")]
    pub allow_loopback_urls: bool,
    /// Largest request body in MiB [default: 70].
    #[arg(long, env = "JIKJI_MAX_BODY_MB")]
    pub max_body_mb: Option<u64>,
    /// Largest image file in MiB [default: 50].
    #[arg(long, env = "JIKJI_MAX_IMAGE_MB")]
    pub max_image_mb: Option<u64>,
    /// Largest page in pixels [default: 50000000].
    #[arg(long, env = "JIKJI_MAX_PIXELS")]
    pub max_pixels: Option<u64>,
    /// Most PDF/TIFF pages per General request (at most 10) [default: 10].
    #[arg(long, env = "JIKJI_MAX_PAGES")]
    pub max_pages: Option<usize>,
    /// Request timeout in seconds [default: 60].
    #[arg(long, env = "JIKJI_REQUEST_TIMEOUT_SECS", value_name = "SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Image URL download timeout in seconds [default: 10].
    #[arg(long, env = "JIKJI_URL_TIMEOUT_SECS", value_name = "SECS")]
    pub url_timeout_secs: Option<u64>,
    /// Batch workers in this process (0: it works on no batch job) [default: 1].
    #[arg(long, env = "JIKJI_BATCH_WORKERS")]
    pub batch_workers: Option<usize>,
    /// Seconds a batch worker holds an input before another process may take it over; longer than
    /// the request timeout [default: 300].
    #[arg(long, env = "JIKJI_BATCH_LEASE_SECS", value_name = "SECS")]
    pub batch_lease_secs: Option<u64>,
    /// A local folder batch jobs of the admin API may read and write (repeat for several; the
    /// variable takes a comma-separated list) [default: none].
    #[arg(long = "batch-local-root", env = "JIKJI_BATCH_LOCAL_ROOTS", value_delimiter = ',', value_name = "DIR")]
    pub batch_local_roots: Vec<PathBuf>,
    /// URL the quota warnings (80 % and 100 % of a domain's monthly quota) are POSTed to.
    #[arg(long, env = "JIKJI_QUOTA_WEBHOOK_URL", value_name = "URL")]
    pub quota_webhook_url: Option<String>,
    /// HMAC-SHA256 key of the webhooks' X-Jikji-Signature header (at least 16 characters).
    #[arg(
        long,
        env = "JIKJI_QUOTA_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub quota_webhook_secret: Option<String>,
    /// Allow the webhook URL to resolve to private or loopback addresses.
    #[arg(long, env = "JIKJI_QUOTA_WEBHOOK_ALLOW_PRIVATE")]
    pub quota_webhook_allow_private: bool,
    /// Allow the webhook URL to resolve to loopback addresses.
    #[arg(long, env = "JIKJI_QUOTA_WEBHOOK_ALLOW_LOOPBACK")]
    pub quota_webhook_allow_loopback: bool,
    /// Wait for a template's external validator at most this many ms, then answer UNCHECKED [default: 3000].
    #[arg(long, env = "JIKJI_VALIDATION_TIMEOUT_MS", value_name = "MS")]
    pub validation_timeout_ms: Option<u64>,
    /// Allow templates' validation URLs to resolve to private or loopback addresses.
    #[arg(long, env = "JIKJI_VALIDATION_ALLOW_PRIVATE")]
    pub validation_allow_private: bool,
    /// Allow templates' validation URLs to resolve to loopback addresses.
    #[arg(long, env = "JIKJI_VALIDATION_ALLOW_LOOPBACK")]
    pub validation_allow_loopback: bool,
    /// First webhook retry after this many ms, doubling per attempt [default: 5000].
    #[arg(long, env = "JIKJI_WEBHOOK_RETRY_BASE_MS", value_name = "MS")]
    pub webhook_retry_base_ms: Option<u64>,
    /// Milliseconds between writes of the usage statistics [default: 1000].
    #[arg(long, env = "JIKJI_USAGE_FLUSH_MS", value_name = "MS")]
    pub usage_flush_ms: Option<u64>,
    /// Log format: text or json.
    #[arg(long, env = "JIKJI_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// Defaults < file < flags/environment.
pub fn effective_config(args: &Args) -> anyhow::Result<ServerConfig> {
    let mut c = match &args.config {
        Some(p) => ServerConfig::from_toml_file(p).map_err(anyhow::Error::msg)?,
        None => ServerConfig::default(),
    };
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = args.$f.clone() { c.$f = v; } )* };
    }
    set!(
        listen,
        data_dir,
        models,
        model_set,
        workers,
        threads_per_worker,
        queue,
        max_body_mb,
        max_image_mb,
        max_pixels,
        max_pages,
        request_timeout_secs,
        url_timeout_secs,
        batch_workers,
        batch_lease_secs,
        webhook_retry_base_ms,
        usage_flush_ms,
        validation_timeout_ms
    );
    if args.cores.is_some() {
        c.cores = args.cores;
    }
    if !args.batch_local_roots.is_empty() {
        c.batch_local_roots = args.batch_local_roots.clone();
    }
    // An empty value (a compose file's `${VAR:-}`) means unset.
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    if let Some(u) = given(&args.quota_webhook_url) {
        c.quota_webhook_url = Some(u);
    }
    if let Some(s) = given(&args.quota_webhook_secret) {
        c.quota_webhook_secret = Some(s);
    }
    c.quota_webhook_allow_private |= args.quota_webhook_allow_private;
    c.quota_webhook_allow_loopback |= args.quota_webhook_allow_loopback;
    c.validation_allow_private |= args.validation_allow_private;
    c.validation_allow_loopback |= args.validation_allow_loopback;
    if args.database_url.is_some() {
        c.database_url = args.database_url.clone();
    }
    if args.admin_token.is_some() {
        c.admin_token = args.admin_token.clone();
    }
    c.allow_private_urls |= args.allow_private_urls;
    c.allow_loopback_urls |= args.allow_loopback_urls;
    if c.admin_token
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        c.admin_token = None;
    }
    Ok(c)
}

/// Logs go to stderr; ANSI colours only when stderr is a terminal, so that a log file, a pipe or a
/// journal gets plain text.
fn init_logging(format: &str) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIKJI_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = effective_config(&args)?;
    let korean_model = args.korean_model.clone();
    let korean_lm = !args.no_korean_lm;
    let device = args.device;
    if args.print_config {
        // The admin token and the database password are masked.
        print!("{}", config.redacted().to_toml());
        return Ok(());
    }
    config.validate().map_err(anyhow::Error::msg)?;
    init_logging(&args.log_format);
    // Panic messages can quote recognised text; the service's hook withholds them.
    jikji_server::panics::install_hook();
    let det_model: jikji_engine::DetModel = config.model_set.parse().map_err(anyhow::Error::msg)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        let db_url = config.effective_database_url();
        let store = jikji_store::Store::open(&db_url).await.context("opening the database")?;
        tracing::info!(backend = %store.backend(), "database open");
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        tracing::info!(addr = %listener.local_addr()?, admin_api = config.admin_token.is_some(), workers = config.workers, queue = config.queue, "listening");
        let engine_cfg = jikji_engine::EngineConfig {
            det_model,
            workers: config.workers.max(1),
            threads_per_worker: config.threads_per_worker.max(1),
            cores: config.cores,
            korean_model: korean_model.clone(),
            korean_lm,
            device,
            ..jikji_engine::EngineConfig::new(config.models.clone())
        };
        let state = AppState::new(config, store.clone());
        // PDF pages are rendered by this binary in its resource-limited `render-pdf` mode.
        state.set_pdf_renderer(std::env::current_exe().context("locating the jikji executable")?);
        let (fail_tx, fail_rx) = tokio::sync::oneshot::channel::<String>();
        let loader_state = state.clone();
        tokio::task::spawn_blocking(move || {
            let t = std::time::Instant::now();
            let tables_dir = engine_cfg.models_dir.clone();
            match jikji_engine::Engine::new(engine_cfg) {
                Ok(engine) => {
                    // The table stage (`enableTableDetection`): without its models the server still
                    // serves, and a request asking for tables gets 0501 "table models not loaded".
                    match jikji_table::TablePool::new(&tables_dir, jikji_table::TableConfig::default()) {
                        Ok(pool) => loader_state.set_tables(Arc::new(pool)),
                        Err(e) => tracing::warn!(error = %e, "table models not loaded; table detection unavailable"),
                    }
                    let device = engine.device().to_string();
                    loader_state.set_engine(Arc::new(engine));
                    tracing::info!(load_ms = t.elapsed().as_millis() as u64, %device, "models loaded; ready");
                }
                Err(e) => {
                    let _ = fail_tx.send(e.to_string());
                }
            }
        });
        let failure = Arc::new(std::sync::Mutex::new(None::<String>));
        let failure2 = failure.clone();
        let shutdown = async move {
            tokio::select! {
                _ = shutdown_signal() => {}
                Ok(msg) = fail_rx => {
                    tracing::error!(error = %msg, "loading the models failed; stopping");
                    *failure2.lock().unwrap() = Some(msg);
                }
            }
        };
        jikji_server::serve_listener(listener, state, shutdown).await.context("serving")?;
        store.close().await;
        if let Some(msg) = failure.lock().unwrap().take() {
            anyhow::bail!("loading the models failed: {msg}");
        }
        tracing::info!("stopped");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("serve").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn defaults_file_then_flags() {
        // (JIKJI_* variables of the environment apply too; CI sets JIKJI_MODELS, so no equality with the defaults.)
        let c = effective_config(&parse(&[])).unwrap();
        assert_eq!(c.max_pages, ServerConfig::default().max_pages);

        let dir = std::env::temp_dir().join(format!("jikji-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("jikji.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nworkers = 3\nqueue = 2\nadmin_token = \"from-file\"\n",
        )
        .unwrap();
        let f = file.to_str().unwrap();
        let c = effective_config(&parse(&["--config", f])).unwrap();
        assert_eq!(
            (c.listen.as_str(), c.workers, c.queue),
            ("0.0.0.0:9000", 3, 2)
        );
        assert_eq!(c.admin_token.as_deref(), Some("from-file"));

        let c = effective_config(&parse(&[
            "--config",
            f,
            "--workers",
            "5",
            "--admin-token",
            "flag",
            "--allow-loopback-urls",
        ]))
        .unwrap();
        assert_eq!((c.workers, c.queue), (5, 2));
        assert_eq!(c.admin_token.as_deref(), Some("flag"));
        assert!(c.allow_loopback_urls && !c.allow_private_urls);

        std::fs::write(&file, "listne = 1\n").unwrap();
        assert!(
            effective_config(&parse(&["--config", f])).is_err(),
            "unknown keys are refused"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
