//! Admin API of batch jobs: `/admin/v1/batch/jobs` — create, list, show (progress, rate, ETA), pause,
//! resume, cancel. Behind the admin token like the rest of `/admin/v1` (`admin.rs`); the workers that
//! do the work are in `batch.rs`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jikji_batch::{JobOptions, LocalAccess, Sink, SourceSpec};
use jikji_store::{Job, JobState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::{admin_error, invalid, json_body, store_error, JsonBody};
use crate::batch::{self, CreateError, JobRequest};
use crate::state::AppState;

/// An S3-compatible bucket prefix. Credentials are not part of a job: every `jikji serve` process
/// uses its own (`[s3]` in the configuration or the `AWS_*` environment variables).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Body {
    /// S3 bucket name (3–63 lower-case letters, digits, `.`, `-`).
    #[schema(pattern = r"^[a-z0-9][a-z0-9.-]{2,62}$")]
    pub bucket: String,
    /// Key prefix (empty: the whole bucket).
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub prefix: String,
    /// E.g. `https://kr.object.ncloudstorage.com`; absent: the server's configured endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// E.g. `kr-standard`; absent: the server's configured region.
    #[serde(default)]
    pub region: Option<String>,
    /// Path-style URLs (default `true`; `false`: virtual-host style).
    #[serde(default)]
    pub path_style: Option<bool>,
}

impl From<S3Body> for jikji_batch::S3Location {
    fn from(b: S3Body) -> Self {
        jikji_batch::S3Location {
            bucket: b.bucket,
            prefix: b.prefix,
            endpoint: b.endpoint,
            region: b.region,
            path_style: b.path_style.unwrap_or(true),
        }
    }
}

/// What the job reads: exactly one of `folder`, `files`, `s3`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceBody {
    /// Every image and PDF under this folder (one of the server's `batch_local_roots`).
    Folder(String),
    /// These files (under the `batch_local_roots`).
    Files(Vec<String>),
    /// Every image and PDF object under a bucket prefix.
    S3(S3Body),
}

/// Where the results go: exactly one of `folder`, `s3`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OutputBody {
    Folder(String),
    S3(S3Body),
}

/// Response shape of every result.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum VersionName {
    V1,
    V2,
}

/// Body of `POST /admin/v1/batch/jobs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJob {
    pub domain_id: i64,
    /// `general`, `infer` or `document/<type>`; absent: the domain's operation (a Document domain
    /// with several models must name one).
    #[serde(default)]
    pub operation: Option<String>,
    pub source: SourceBody,
    pub output: OutputBody,
    /// Recognition language(s) of every input; absent: the domain's.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9-]{1,16}(,[A-Za-z0-9-]{1,16})*$")]
    pub lang: Option<String>,
    /// Absent: `V2`.
    #[serde(default)]
    pub version: Option<VersionName>,
    /// General and Template OCR: `enableTableDetection` on every input.
    #[serde(default)]
    pub table_detection: bool,
}

/// A batch job and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    pub domain_id: i64,
    /// `general`, `infer` or `document/<type>`.
    pub operation: String,
    /// `queued`, `running`, `paused`, `cancelled`, `done`, `failed`.
    pub state: String,
    /// Why the job failed or was paused.
    pub error: Option<String>,
    /// Inputs in the job.
    pub total: i64,
    /// Inputs not started.
    pub pending: i64,
    /// Inputs a worker holds now.
    pub running: i64,
    /// Inputs with a result (`SUCCESS`, `FAILURE` or `ERROR` image).
    pub done: i64,
    /// Inputs answered with an error code.
    pub failed: i64,
    /// Finished inputs over all inputs, 0–1.
    pub progress: f64,
    /// Inputs finished per second over the last minute.
    pub rate_per_sec: f64,
    /// Seconds left at that rate (absent while there is no rate, or the job is paused or ended).
    pub eta_secs: Option<f64>,
    #[schema(value_type = Object)]
    pub source: serde_json::Value,
    #[schema(value_type = Object)]
    pub output: serde_json::Value,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// Unix ms.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl From<&Job> for JobView {
    fn from(j: &Job) -> Self {
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
        JobView {
            id: j.id,
            domain_id: j.domain_id,
            operation: j.operation.clone(),
            state: j.state.as_str().into(),
            error: j.error.clone(),
            total: j.total,
            pending: j.counts.pending,
            running: j.counts.leased,
            done: j.counts.done,
            failed: j.counts.failed,
            progress: if j.total > 0 {
                j.counts.finished() as f64 / j.total as f64
            } else {
                1.0
            },
            rate_per_sec: j.rate_per_sec,
            eta_secs: j.eta_secs(),
            source: parse(&j.source),
            output: parse(&j.sink),
            options: parse(&j.options),
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
        }
    }
}

/// Most jobs one list answer carries.
const LIST_MAX: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Newest jobs first, at most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

type ListParams = Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>;
type JobPath = Result<Path<i64>, axum::extract::rejection::PathRejection>;

fn job_id(p: JobPath) -> Result<i64, Response> {
    p.map(|Path(id)| id)
        .map_err(|e| invalid(format!("job id: {}", e.body_text())))
}

fn not_found(id: i64) -> Response {
    admin_error(StatusCode::NOT_FOUND, "not_found", format!("no batch job {id}"))
}

#[utoipa::path(get, path = "/admin/v1/batch/jobs", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, body = Vec<JobView>),
        (status = 400, description = "invalid query", body = crate::admin::AdminError)
    ))]
pub async fn list(State(st): State<AppState>, q: ListParams) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return invalid(e.body_text()),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=LIST_MAX).contains(&limit) {
        return invalid(format!("limit must be 1–{LIST_MAX}"));
    }
    match st.store.list_jobs(q.state, limit).await {
        Ok(jobs) => Json(jobs.iter().map(JobView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/batch/jobs", tag = "admin", security(("bearer" = [])), request_body = CreateJob,
    responses(
        (status = 201, body = JobView, headers(("Location" = String, description = "`/admin/v1/batch/jobs/{id}` of the new job"))),
        (status = 400, description = "invalid body; unknown domain; operation the domain does not serve; folder outside `batch_local_roots`; source that cannot be listed or holds no input", body = crate::admin::AdminError)
    ))]
pub async fn create(State(st): State<AppState>, body: JsonBody<CreateJob>) -> Response {
    let c = match json_body(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let source = match c.source {
        SourceBody::Folder(f) => SourceSpec::Folder(f.into()),
        SourceBody::Files(fs) => SourceSpec::Files(fs.into_iter().map(Into::into).collect()),
        SourceBody::S3(b) => SourceSpec::S3(b.into()),
    };
    let sink = match c.output {
        OutputBody::Folder(f) => Sink::Folder(f.into()),
        OutputBody::S3(b) => Sink::S3(b.into()),
    };
    let req = JobRequest {
        domain_id: c.domain_id,
        operation: c.operation,
        source,
        sink,
        options: JobOptions {
            lang: c.lang,
            version: c.version.map(|v| format!("{v:?}")),
            table_detection: c.table_detection,
        },
    };
    let access = LocalAccess::Within(&st.config.batch_local_roots);
    match batch::create_job(&st.store, &st.config.s3, access, req).await {
        Ok(job) => {
            let location = format!("/admin/v1/batch/jobs/{}", job.id);
            let mut r = (StatusCode::CREATED, Json(JobView::from(&job))).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(CreateError::Invalid(m)) => invalid(m),
        Err(CreateError::Store(e)) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/batch/jobs/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, body = JobView),
        (status = 400, description = "id is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such job; `disabled`: no admin token configured", body = crate::admin::AdminError)
    ))]
pub async fn show(State(st): State<AppState>, id: JobPath) -> Response {
    let id = match job_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match st.store.get_job(id).await {
        Ok(Some(j)) => Json(JobView::from(&j)).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

/// Moves a job between states; 409 when its state does not allow the move.
async fn transition(st: &AppState, id: JobPath, from: &[JobState], to: JobState) -> Response {
    let id = match job_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match st.store.set_job_state(id, from, to, None).await {
        Ok(Some((j, true))) => {
            if to == JobState::Cancelled {
                // The summary of what was done, written now; in-flight items still finish.
                let st = st.clone();
                let sink = j.sink.clone();
                tokio::spawn(async move {
                    let written = match batch::job_sink(&st, &sink) {
                        Ok(sink) => batch::write_summary(&st, id, &sink, JobState::Cancelled).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = written {
                        tracing::warn!(job = id, error = %e, "batch: writing the summary of a cancelled job failed");
                    }
                });
            }
            Json(JobView::from(&j)).into_response()
        }
        Ok(Some((j, false))) => admin_error(
            StatusCode::CONFLICT,
            "conflict",
            format!("batch job {id} is {}; it cannot become {}", j.state.as_str(), to.as_str()),
        ),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/batch/jobs/{id}/pause", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "paused: no new input is started; inputs in flight finish", body = JobView),
        (status = 400, description = "id is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such job; `disabled`: no admin token configured", body = crate::admin::AdminError),
        (status = 409, description = "the job is not queued or running", body = crate::admin::AdminError)
    ))]
pub async fn pause(State(st): State<AppState>, id: JobPath) -> Response {
    transition(&st, id, &[JobState::Queued, JobState::Running], JobState::Paused).await
}

#[utoipa::path(post, path = "/admin/v1/batch/jobs/{id}/resume", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "queued again: its open inputs are worked on", body = JobView),
        (status = 400, description = "id is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such job; `disabled`: no admin token configured", body = crate::admin::AdminError),
        (status = 409, description = "the job is not paused, cancelled or failed", body = crate::admin::AdminError)
    ))]
pub async fn resume(State(st): State<AppState>, id: JobPath) -> Response {
    transition(
        &st,
        id,
        &[JobState::Paused, JobState::Cancelled, JobState::Failed],
        JobState::Queued,
    )
    .await
}

#[utoipa::path(post, path = "/admin/v1/batch/jobs/{id}/cancel", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "cancelled: no new input is started; the summary is written", body = JobView),
        (status = 400, description = "id is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such job; `disabled`: no admin token configured", body = crate::admin::AdminError),
        (status = 409, description = "the job has ended (done or cancelled)", body = crate::admin::AdminError)
    ))]
pub async fn cancel(State(st): State<AppState>, id: JobPath) -> Response {
    transition(
        &st,
        id,
        &[JobState::Queued, JobState::Running, JobState::Paused, JobState::Failed],
        JobState::Cancelled,
    )
    .await
}
