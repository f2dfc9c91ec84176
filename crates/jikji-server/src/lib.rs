//! Jikji's CLOVA-compatible HTTP service (axum).
//!
//! - [`build_router`] gives the whole service for a [`AppState`] (used by the CLI and the tests);
//! - [`serve`] / [`serve_listener`] run it with graceful shutdown;
//! - the wire contract lives in `jikji-clova`; this crate does routing, auth, limits, queueing,
//!   URL fetching, metrics and the admin API.
//!
//! Routes: `POST /custom/v1/{domainId}/{invokeKey}/{general|infer|document/<type>|<type>}`,
//! `/admin/v1/domains…` (bearer token), `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json`.

pub mod admin;
pub mod config;
pub mod error;
pub mod fetch;
pub mod metrics;
pub mod middleware;
pub mod ocr;
pub mod ratelimit;
pub mod state;

pub use config::ServerConfig;
pub use error::ApiError;
pub use state::{AppState, OcrBackend};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jikji_clova::uncertain;
use std::future::Future;
use std::sync::Arc;
use utoipa::OpenApi;

/// The OpenAPI document, generated from the handler annotations and the `jikji-clova` types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Jikji", description = "Self-hosted OCR speaking NAVER CLOVA OCR's HTTP API. See docs/api.md."),
    paths(
        ocr::general, ocr::infer, ocr::document,
        admin::list, admin::create, admin::get, admin::update, admin::delete, admin::rotate_secret, admin::usage,
        healthz, readyz
    ),
    components(schemas(
        jikji_clova::OcrRequest, jikji_clova::ImageSpec, jikji_clova::OcrResponse, jikji_clova::ImageResult,
        jikji_clova::GeneralField, jikji_clova::BoundingPoly, jikji_clova::Vertex, jikji_clova::ConvertedImageInfo,
        jikji_clova::ValidationResult, jikji_clova::InferResult, jikji_clova::ErrorBody, ocr::MultipartBody,
        admin::AdminError, admin::CreateDomain, admin::PatchDomain, admin::DomainView, admin::CreatedView,
        admin::SecretView, admin::UsageView
    )),
    modifiers(&BearerAuth),
    tags((name = "clova", description = "CLOVA OCR compatible endpoints"), (name = "admin", description = "Domain management"))
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// Readiness: models loaded and the database reachable.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "ready"), (status = 503, description = "not ready")))]
pub async fn readyz(State(st): State<AppState>) -> Response {
    let engine = st.engine().is_some();
    let db = st.store.ping().await.is_ok();
    let status = if engine && db {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(serde_json::json!({"status": if engine && db {"ready"} else {"not_ready"}, "models_loaded": engine, "database": db}))).into_response()
}

async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

async fn unknown_route() -> Response {
    ApiError::detail(uncertain::UNKNOWN_ROUTE, "unknown route").into_response()
}

/// The whole service.
pub fn build_router(state: AppState) -> Router {
    let admin = Router::new()
        .route("/admin/v1/domains", get(admin::list).post(admin::create))
        .route(
            "/admin/v1/domains/{id}",
            get(admin::get).patch(admin::update).delete(admin::delete),
        )
        .route(
            "/admin/v1/domains/{id}/rotate-secret",
            post(admin::rotate_secret),
        )
        .route("/admin/v1/domains/{id}/usage", get(admin::usage))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin::require_token,
        ));
    Router::new()
        .route(
            "/custom/v1/{domain_id}/{invoke_key}/general",
            post(ocr::general),
        )
        .route(
            "/custom/v1/{domain_id}/{invoke_key}/infer",
            post(ocr::infer),
        )
        .route(
            "/custom/v1/{domain_id}/{invoke_key}/document/{kind}",
            post(ocr::document),
        )
        .route(
            "/custom/v1/{domain_id}/{invoke_key}/{kind}",
            post(ocr::short_document),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .merge(admin)
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes()))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

/// Serves `state` on an already-bound listener until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (bounded by `shutdown_grace_secs`) and returns.
///
/// HTTP/1.1 with keep-alive, served by hyper with a header read timeout
/// (`header_read_timeout_secs`), so that slow or silent clients cannot hold connections (slowloris).
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let grace = std::time::Duration::from_secs(state.config.shutdown_grace_secs.max(1));
    let header_timeout =
        std::time::Duration::from_secs(state.config.header_read_timeout_secs.max(1));
    let app = build_router(state);
    // `signal_rx` is dropped when shutdown starts; connection tasks hold `close_rx` clones.
    let (signal_tx, signal_rx) = tokio::sync::watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(signal_rx);
    });
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    loop {
        let (stream, _peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // e.g. too many open files: back off instead of spinning
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = signal_tx.closed() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            let conn = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = signal_tx.closed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            drop(close_rx);
        });
    }
    drop(close_rx);
    drop(listener);
    if tokio::time::timeout(grace, close_tx.closed())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; dropping remaining connections");
    }
    Ok(())
}

/// Binds `config.listen` and serves with `engine` and `store` until `shutdown` resolves.
pub async fn serve(
    config: ServerConfig,
    engine: Arc<jikji_engine::Engine>,
    store: jikji_store::Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let state = AppState::new(config, store).with_engine(engine);
    serve_listener(listener, state, shutdown).await
}
