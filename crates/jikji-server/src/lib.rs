//! Jikji's CLOVA-compatible HTTP service (axum).
//!
//! - [`build_router`] gives the whole service for a [`AppState`] (used by the CLI and the tests);
//! - [`serve`] / [`serve_listener`] run it with graceful shutdown;
//! - the wire contract lives in `jikji-clova`; this crate does routing, auth, limits, queueing,
//!   URL fetching, metrics and the admin API.
//!
//! Routes: `POST /custom/v1/{domainId}/{invokeKey}/{general|infer|document/<type>|<type>}`,
//! `/admin/v1/…` (admin token, API token or console session: `auth.rs`; OCR Reader corrections and
//! the searchable PDF in `reader.rs`), the web console at `/console/` (`console.rs`), `GET /healthz`,
//! `/readyz`, `/metrics`, `/openapi.json`. Batch jobs: `/admin/v1/batch/jobs…` (`batch_api.rs`);
//! [`serve_listener`] also runs the batch workers (`batch.rs`).

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod batch;
pub mod batch_api;
pub mod config;
pub mod console;
pub mod error;
pub mod fetch;
pub mod metrics;
pub mod middleware;
pub mod ocr;
pub mod panics;
pub mod ratelimit;
pub mod reader;
pub mod state;
pub mod templates;
pub mod try_it;
pub mod usage;
pub mod validation;
pub mod webhook;

pub use config::ServerConfig;
pub use error::ApiError;
pub use state::{AppState, OcrBackend, TableBackend};

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
        admin::list, admin::create, admin::get, admin::update, admin::delete, admin::rotate_secret, admin::usage, usage::daily, webhook::deliveries,
        templates::list, templates::create, templates::show, templates::update, templates::delete,
        templates::test, templates::release, templates::rollback, templates::sample,
        try_it::try_ocr,
        accounts::login, accounts::me, accounts::logout, accounts::change_password,
        accounts::list_users, accounts::create_user, accounts::update_user, accounts::delete_user,
        accounts::list_tokens, accounts::create_token, accounts::delete_token, accounts::audit_log,
        reader::create_correction, reader::list_corrections, reader::correction_crop, reader::delete_correction,
        reader::export_corrections, reader::searchable_pdf,
        batch_api::list, batch_api::create, batch_api::show, batch_api::pause, batch_api::resume,
        batch_api::cancel,
        healthz, readyz
    ),
    components(schemas(
        jikji_clova::OcrRequest, jikji_clova::ImageSpec, jikji_clova::OcrResponse, jikji_clova::ImageResult,
        jikji_clova::GeneralField, jikji_clova::BoundingPoly, jikji_clova::Vertex, jikji_clova::ConvertedImageInfo,
        jikji_clova::ValidationResult, jikji_clova::InferResult, jikji_clova::ErrorBody, ocr::MultipartBody,
        admin::AdminError, admin::CreateDomain, admin::PatchDomain, admin::DomainView, admin::CreatedView,
        admin::SecretView, admin::UsageView,
        jikji_store::UsageReport, jikji_store::DayUsage, jikji_store::OperationUsage, jikji_store::Latency,
        jikji_store::Delivery, jikji_store::DeliveryStatus,
        templates::TemplateBody, templates::TestBody, templates::ReleaseBody, templates::TemplateView,
        templates::TemplateDetail, templates::TestView, templates::SampleBody, templates::SampleWord,
        templates::SampleView,
        accounts::LoginBody, accounts::SessionView, accounts::PasswordBody, accounts::RoleName,
        accounts::CreateUser, accounts::PatchUser, accounts::UserView, accounts::CreateToken,
        accounts::TokenView, accounts::CreatedTokenView, accounts::AuditView,
        reader::CorrectionBody, jikji_store::Correction, reader::PdfUpload,
        batch_api::CreateJob, batch_api::SourceBody, batch_api::OutputBody, batch_api::S3Body,
        batch_api::VersionName, jikji_store::JobState, batch_api::JobView
    )),
    modifiers(&BearerAuth, &ErrorResponses),
    tags((name = "clova", description = "CLOVA OCR compatible endpoints"), (name = "admin", description = "Domain, template and batch job management, accounts, OCR Reader corrections, searchable PDF"))
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
            c.add_security_scheme(
                "session",
                SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                    utoipa::openapi::security::ApiKeyValue::with_description(
                        auth::SESSION_COOKIE,
                        "console session (POST /admin/v1/session); state changes also need X-CSRF-Token",
                    ),
                )),
            );
        }
    }
}

/// Adds to every operation the error responses the service really gives besides the ones its
/// handler documents: CLOVA routes answer `ErrorBody` (also for framework rejections: an
/// oversized or mistyped body is 400/`0011`, a panic 500/`0500`), admin routes `AdminError`
/// (401 wrong token, 404 API disabled or no such domain, 429 failed logins throttled, 500 store
/// error — or a CLOVA `0500` body after a panic). `scripts/schemathesis.sh` checks the result
/// against the running server.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
        let json = |schema: RefOr<utoipa::openapi::Schema>| {
            ContentBuilder::new().schema(Some(schema)).build()
        };
        let clova = |description: &str| -> Response {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    json(Ref::from_schema_name("ErrorBody").into()),
                )
                .build()
        };
        let admin = |description: &str| -> ResponseBuilder {
            ResponseBuilder::new().description(description).content(
                "application/json",
                json(Ref::from_schema_name("AdminError").into()),
            )
        };
        let retry_after = || {
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("seconds to wait"))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let is_clova = path.starts_with("/custom/v1/");
            let is_admin = path.starts_with("/admin/v1/");
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                let r = &mut op.responses.responses;
                let mut add = |status: &str, resp: Response| {
                    r.entry(status.to_string()).or_insert(RefOr::T(resp));
                };
                if is_clova {
                    add(
                        "400",
                        clova("0001 unknown domain, invoke key or operation; 0011 invalid body (also too large, wrong content type); 0021; 0022; 0023; 0025 (Retry-After); 0028"),
                    );
                    add("401", clova("0002: missing or wrong X-OCR-SECRET"));
                    add(
                        "500",
                        clova("0500 unexpected failure; 0501 OCR engine failure, not ready, or request timeout"),
                    );
                } else if is_admin {
                    add(
                        "401",
                        admin("`unauthorized`: missing or wrong bearer token")
                            .header(
                                "WWW-Authenticate",
                                HeaderBuilder::new()
                                    .schema(ObjectBuilder::new().schema_type(Type::String))
                                    .build(),
                            )
                            .build(),
                    );
                    add(
                        "403",
                        admin("`forbidden`: the caller's role may not do this, the domain is not among its domains, or a console session sent no valid X-CSRF-Token")
                            .build(),
                    );
                    add(
                        "404",
                        admin("`disabled`: no admin token configured and no console accounts; `not_found`: no such domain, user, token or template")
                            .build(),
                    );
                    add(
                        "429",
                        admin("`throttled`: too many failed logins from this address")
                            .header("Retry-After", retry_after())
                            .build(),
                    );
                    add(
                        "500",
                        ResponseBuilder::new()
                            .description("`internal`: store error (AdminError); 0500 after an unexpected failure (ErrorBody)")
                            .content(
                                "application/json",
                                json(
                                    OneOfBuilder::new()
                                        .item(Ref::from_schema_name("AdminError"))
                                        .item(Ref::from_schema_name("ErrorBody"))
                                        .into(),
                                ),
                            )
                            .build(),
                    );
                }
            }
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

/// A known path with a method it does not serve (`TRACE`, `PUT` on an OCR route, …): 405 with the
/// CLOVA body of `0001` and an `Allow` header. The spec's "everything else → 400/0001" is about
/// unknown routes; for a wrong method HTTP's own answer is 405 (RFC 9110 §15.5.6), which is what
/// generic clients and the OpenAPI tooling expect.
async fn method_not_allowed() -> Response {
    ApiError {
        code: uncertain::UNKNOWN_ROUTE,
        status: Some(405),
        detail: "method not allowed".into(),
    }
    .into_response()
}

/// The whole service.
pub fn build_router(state: AppState) -> Router {
    let gate = admin::AdminGate {
        state: state.clone(),
        throttle: Arc::new(admin::LoginThrottle::new(
            state.config.admin_auth_free_failures,
        )),
    };
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
        .route("/admin/v1/domains/{id}/usage/daily", get(usage::daily))
        .route("/admin/v1/webhooks/deliveries", get(webhook::deliveries))
        .route(
            "/admin/v1/domains/{id}/templates",
            get(templates::list).post(templates::create),
        )
        .route(
            "/admin/v1/domains/{id}/templates/{template_id}",
            get(templates::show).put(templates::update).delete(templates::delete),
        )
        .route("/admin/v1/domains/{id}/templates/sample", post(templates::sample))
        .route("/admin/v1/domains/{id}/templates/{template_id}/test", post(templates::test))
        .route("/admin/v1/domains/{id}/templates/{template_id}/release", post(templates::release))
        .route("/admin/v1/domains/{id}/templates/{template_id}/rollback", post(templates::rollback))
        .route("/admin/v1/domains/{id}/try/{operation}", post(try_it::try_ocr))
        .route(
            "/admin/v1/session",
            get(accounts::me)
                .post(accounts::login)
                .delete(accounts::logout),
        )
        .route("/admin/v1/session/password", post(accounts::change_password))
        .route("/admin/v1/users", get(accounts::list_users).post(accounts::create_user))
        .route(
            "/admin/v1/users/{id}",
            axum::routing::patch(accounts::update_user).delete(accounts::delete_user),
        )
        .route("/admin/v1/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/admin/v1/tokens/{id}", axum::routing::delete(accounts::delete_token))
        .route("/admin/v1/audit", get(accounts::audit_log))
        .route(
            "/admin/v1/domains/{id}/corrections",
            get(reader::list_corrections).post(reader::create_correction),
        )
        .route("/admin/v1/domains/{id}/corrections/export", get(reader::export_corrections))
        .route(
            "/admin/v1/domains/{id}/corrections/{correction_id}",
            axum::routing::delete(reader::delete_correction),
        )
        .route("/admin/v1/domains/{id}/corrections/{correction_id}/crop", get(reader::correction_crop))
        .route("/admin/v1/searchable-pdf", post(reader::searchable_pdf))
        .route("/admin/v1/batch/jobs", get(batch_api::list).post(batch_api::create))
        .route("/admin/v1/batch/jobs/{id}", get(batch_api::show))
        .route("/admin/v1/batch/jobs/{id}/pause", post(batch_api::pause))
        .route("/admin/v1/batch/jobs/{id}/resume", post(batch_api::resume))
        .route("/admin/v1/batch/jobs/{id}/cancel", post(batch_api::cancel))
        .route_layer(axum::middleware::from_fn_with_state(gate, auth::gate));
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
        .route("/console", get(console::redirect))
        .route("/console/", get(console::index))
        .route("/console/{file}", get(console::file))
        .merge(admin)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes()))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

/// Serves `state` on an already-bound listener until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (bounded by `shutdown_grace_secs`) and returns. The process's
/// batch workers (`batch_workers`) run alongside and stop with it, after the input in hand.
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
    let (stop_batch, batch_stopped) = tokio::sync::watch::channel(false);
    let batch_workers = batch::spawn_workers(&state, batch_stopped, None);
    let app = build_router(state.clone());
    let background = [
        usage::spawn_flusher(state.clone()),
        webhook::spawn_worker(state.clone()),
    ];
    // `signal_rx` is dropped when shutdown starts; connection tasks hold `close_rx` clones.
    let (signal_tx, signal_rx) = tokio::sync::watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_batch.send(true);
        drop(signal_rx);
    });
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
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
        // The client address, for the admin login throttle (`ConnectInfo`, as axum's own server
        // would insert it).
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            app.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
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
    let batch_done = async {
        for w in batch_workers {
            let _ = w.await;
        }
    };
    if tokio::time::timeout(grace, async { tokio::join!(close_tx.closed(), batch_done) })
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; dropping remaining connections and batch items (their leases run out)");
    }
    for task in background {
        task.abort();
    }
    // The last interval's usage counts.
    if let Err(e) = state.usage.flush(&state.store).await {
        tracing::warn!(error = %e, "writing usage statistics on shutdown failed");
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
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let state = AppState::new(config, store).with_engine(engine);
    serve_listener(listener, state, shutdown).await
}
