//! Batch workers: every `jikji serve` process (and `jikji batch run`) runs `batch_workers` of them
//! beside the online service. A worker claims one item at a time from the shared queue in the store
//! (a lease; see `jikji_store`'s `batch.rs`), reads the input from the job's source, recognises it
//! through the same code path as an online call (`ocr::admitted` + `ocr::recognise`: the result is
//! the JSON the online API returns for the domain), writes it to the sink under the input's
//! deterministic name, and only then marks the item finished (write-then-mark). A worker that dies
//! at any point leaves either no result (the item is claimed again when its lease runs out) or a
//! result that the next worker overwrites with the same name: no input lost, none written twice.
//!
//! Online calls come first: a worker takes an inference worker slot only while no online call waits
//! in the queue, and never takes an admission slot, so batch work never sheds an online call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jikji_batch::{spec, summary, JobOptions, Sink, Source, Storage};
use jikji_clova::{ErrorCode, ImageSpec, OcrRequest, Operation};
use jikji_store::{Claimed, Domain, ItemOutcome, JobState};
use jikji_types::Cancel;

use crate::error::ApiError;
use crate::ocr::{self, Slot, Stats};
use crate::state::AppState;

/// How often an idle worker looks for new items: a job created on another replica starts within a
/// second, and 1 query/s per worker is nothing for the database.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How often a worker that has an item looks again for a free inference slot while online calls
/// wait: short beside a page's recognition time (≥ 50 ms on the bench), so the slot is not left idle.
const ONLINE_FIRST_POLL: Duration = Duration::from_millis(20);
/// Claims of one item before it is given up (its workers kept dying on it: a poison input).
pub const MAX_ATTEMPTS: i64 = 3;

/// Batch item errors that are not CLOVA codes (no online call can meet them).
pub mod codes {
    /// The input could not be read from the source (deleted after listing, storage error).
    pub const INPUT_UNREADABLE: &str = "B001";
    /// Workers stopped [`super::MAX_ATTEMPTS`] times while working on the input.
    pub const ABANDONED: &str = "B002";
}

/// Starts the configured number of batch workers, for every job (`only_job` `None`: a server) or
/// one (`jikji batch run`); they stop claiming when `stop` turns true and end after the item in hand.
pub fn spawn_workers(
    st: &AppState,
    stop: tokio::sync::watch::Receiver<bool>,
    only_job: Option<i64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let process = format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    (0..st.config.batch_workers)
        .map(|n| {
            let worker = Worker {
                st: st.clone(),
                id: format!("{process}-{n}"),
                only_job,
                jobs: HashMap::new(),
            };
            tokio::spawn(worker.run(stop.clone()))
        })
        .collect()
}

/// What a worker keeps of a job between its items.
struct JobCtx {
    domain_id: i64,
    op: Operation,
    options: JobOptions,
    source: Storage,
    sink: Storage,
}

struct Worker {
    st: AppState,
    id: String,
    only_job: Option<i64>,
    jobs: HashMap<i64, Arc<JobCtx>>,
}

impl Worker {
    async fn run(mut self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let lease_ms = (self.st.config.batch_lease_secs.max(1) * 1000) as i64;
        loop {
            if *stop.borrow() {
                break;
            }
            let Some(slot) = self.free_slot(&mut stop).await else {
                break;
            };
            match self.st.store.claim_items(&self.id, lease_ms, 1, self.only_job).await {
                Ok(items) if !items.is_empty() => {
                    if let Some(item) = items.into_iter().next() {
                        self.item(item, slot).await;
                    }
                }
                Ok(_) => {
                    drop(slot);
                    self.finish_abandoned_jobs().await;
                    if sleep_or_stop(&mut stop, IDLE_POLL).await {
                        break;
                    }
                }
                Err(e) => {
                    drop(slot);
                    tracing::warn!(error = %e, "batch: claiming items failed");
                    if sleep_or_stop(&mut stop, IDLE_POLL).await {
                        break;
                    }
                }
            }
        }
    }

    /// An inference worker slot, taken only while no online call waits for one; `None` on stop.
    async fn free_slot(
        &self,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        loop {
            if self.st.metrics.queue_depth.get() == 0 {
                if let Ok(p) = self.st.workers.clone().try_acquire_owned() {
                    return Some(p);
                }
            }
            if sleep_or_stop(stop, ONLINE_FIRST_POLL).await {
                return None;
            }
        }
    }

    async fn ctx(&mut self, job_id: i64) -> Result<Arc<JobCtx>, String> {
        if let Some(c) = self.jobs.get(&job_id) {
            return Ok(c.clone());
        }
        let job = self
            .st
            .store
            .get_job(job_id)
            .await
            .map_err(|e| format!("store: {e}"))?
            .ok_or_else(|| "the job was deleted".to_string())?;
        let ctx = job_context(&self.st, &job)?;
        let ctx = Arc::new(ctx);
        self.jobs.insert(job_id, ctx.clone());
        Ok(ctx)
    }

    async fn item(&mut self, item: Claimed, slot: tokio::sync::OwnedSemaphorePermit) {
        let st = self.st.clone();
        let ctx = match self.ctx(item.job_id).await {
            Ok(c) => c,
            Err(why) => {
                drop(slot);
                tracing::warn!(job = item.job_id, reason = %why, "batch: job cannot run");
                self.stop_job(&item, JobState::Failed, &why).await;
                return;
            }
        };
        let started = Instant::now();
        let done = if item.attempts > MAX_ATTEMPTS {
            drop(slot);
            Done::Batch(
                codes::ABANDONED,
                format!("workers stopped {MAX_ATTEMPTS} times while reading this input"),
            )
        } else {
            run_item(&st, &ctx, &item, slot).await
        };
        let (body, outcome) = match done {
            Done::Paused(why) => {
                // Nothing written; the item waits for the job to be resumed.
                self.stop_job(&item, JobState::Paused, why).await;
                return;
            }
            other => other.into_result(&item, started.elapsed()),
        };
        // Write, then mark: a crash between the two leaves a result that the retry overwrites.
        let name = spec::result_name(&item.input);
        if let Err(e) = ctx.sink.write(&name, body, "application/json").await {
            let why = format!("writing results failed: {e}");
            tracing::warn!(job = item.job_id, error = %e, "batch: writing a result failed; job stopped");
            self.stop_job(&item, JobState::Failed, &why).await;
            return;
        }
        match st.store.finish_item(item.job_id, item.seq, &self.id, &outcome).await {
            Ok(true) => {}
            Ok(false) => tracing::info!(job = item.job_id, seq = item.seq, "batch: lease lost before finishing (another worker took the item; same result name)"),
            Err(e) => tracing::warn!(job = item.job_id, error = %e, "batch: marking an item failed (it is retried when its lease runs out)"),
        }
        self.maybe_finish(item.job_id).await;
    }

    /// Stops the item's job (`Failed` or `Paused`, with the reason) and gives the item back open.
    async fn stop_job(&self, item: &Claimed, to: JobState, why: &str) {
        let _ = self
            .st
            .store
            .set_job_state(item.job_id, &[JobState::Queued, JobState::Running], to, Some(why))
            .await;
        let _ = self.st.store.release_item(item.job_id, item.seq, &self.id).await;
    }

    /// Writes the summary and marks the job done if its last item is finished.
    async fn maybe_finish(&mut self, job_id: i64) {
        let lease_ms = (self.st.config.batch_lease_secs.max(1) * 1000) as i64;
        match self.st.store.begin_finishing(job_id, lease_ms).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(job = job_id, error = %e, "batch: finishing check failed");
                return;
            }
        }
        let Ok(ctx) = self.ctx(job_id).await else {
            return;
        };
        match write_summary(&self.st, job_id, &ctx.sink, JobState::Done).await {
            Ok(()) => {
                let _ = self.st.store.finish_job(job_id).await;
                self.jobs.remove(&job_id);
                tracing::info!(job = job_id, "batch job done");
            }
            Err(e) => tracing::warn!(job = job_id, error = %e, "batch: writing the summary failed (retried)"),
        }
    }

    async fn finish_abandoned_jobs(&mut self) {
        if let Ok(ids) = self.st.store.jobs_to_finish().await {
            for id in ids {
                self.maybe_finish(id).await;
            }
        }
    }
}

/// Sleeps; `true` if `stop` turned true meanwhile.
async fn sleep_or_stop(stop: &mut tokio::sync::watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        r = stop.changed() => r.is_err() || *stop.borrow(),
    }
}

/// The parsed job description.
fn job_context(st: &AppState, job: &jikji_store::Job) -> Result<JobCtx, String> {
    let op = Operation::from_suffix(&job.operation)
        .ok_or_else(|| format!("unknown operation {:?}", job.operation))?;
    let source: Source = serde_json::from_str(&job.source).map_err(|e| format!("job source: {e}"))?;
    let sink: Sink = serde_json::from_str(&job.sink).map_err(|e| format!("job output: {e}"))?;
    let options: JobOptions =
        serde_json::from_str(&job.options).map_err(|e| format!("job options: {e}"))?;
    Ok(JobCtx {
        domain_id: job.domain_id,
        op,
        options,
        source: Storage::of_source(&source, &st.config.s3).map_err(|e| e.to_string())?,
        sink: Storage::of_sink(&sink, &st.config.s3).map_err(|e| e.to_string())?,
    })
}

/// How an item went.
enum Done {
    /// The response of the domain's operation (HTTP 200 online), and its pages.
    Response(jikji_clova::OcrResponse, i64),
    /// The error an online call would get.
    Error(ApiError),
    /// A batch error (code, message): the input could not be worked on at all.
    Batch(&'static str, String),
    /// The job must stop here (quota reached); the item stays open.
    Paused(&'static str),
}

impl Done {
    /// The bytes to write and the outcome to record.
    fn into_result(self, item: &Claimed, took: Duration) -> (Vec<u8>, ItemOutcome) {
        let millis = took.as_millis() as i64;
        match self {
            Done::Response(resp, pages) => {
                let status = resp
                    .images
                    .first()
                    .map(|i| serde_json::to_value(i.infer_result).ok())
                    .and_then(|v| v.and_then(|v| v.as_str().map(str::to_string)))
                    .unwrap_or_else(|| "ERROR".into());
                let message = resp
                    .images
                    .first()
                    .filter(|_| status != "SUCCESS")
                    .map(|i| i.message.clone());
                let body = serde_json::to_vec(&resp).unwrap_or_default();
                (body, ItemOutcome { ok: true, status, pages, millis, error_code: None, error_message: message })
            }
            Done::Error(_) | Done::Batch(..) => {
                let (code, message) = match self {
                    Done::Batch(code, message) => (code.to_string(), message),
                    Done::Error(e) => (e.code.code().to_string(), e.code.message().to_string()),
                    _ => unreachable!(),
                };
                // The online error body (spec §12); `path` names the item instead of a request URL.
                let body = serde_json::to_vec(&jikji_clova::ErrorBody {
                    code: code.clone(),
                    message: message.clone(),
                    path: format!("/admin/v1/batch/jobs/{}/items/{}", item.job_id, item.seq),
                    trace_id: request_id(item),
                    timestamp: jikji_calendar::now_millis(),
                })
                .unwrap_or_default();
                (body, ItemOutcome {
                    ok: false,
                    status: "error".into(),
                    pages: 0,
                    millis,
                    error_code: Some(code),
                    error_message: Some(message),
                })
            }
            Done::Paused(_) => unreachable!("handled by the caller"),
        }
    }
}

fn request_id(item: &Claimed) -> String {
    format!("batch-{}-{}", item.job_id, item.seq)
}

/// Reads the input and recognises it as an online multipart call with these options would be.
async fn run_item(st: &AppState, ctx: &JobCtx, item: &Claimed, slot: tokio::sync::OwnedSemaphorePermit) -> Done {
    let domain: Domain = match st.store.get_domain(ctx.domain_id).await {
        Ok(Some(d)) => d,
        Ok(None) => return Done::Error(ApiError::new(ErrorCode::UrlInvalid)),
        Err(e) => {
            return Done::Error(ApiError::detail(ErrorCode::UnknownServiceError, e.to_string()))
        }
    };
    let limit = st.config.max_image_bytes() as u64;
    let bytes = match ctx.source.read(&item.input, limit).await {
        Ok(b) => b,
        Err(e @ jikji_batch::BatchError::TooLarge { .. }) => {
            return Done::Error(ApiError::detail(ErrorCode::BodyInvalid, e.to_string()))
        }
        Err(e) => {
            return Done::Batch(
                codes::INPUT_UNREADABLE,
                format!("the input could not be read: {e}"),
            )
        }
    };
    let request = OcrRequest {
        version: Some(ctx.options.version.clone().unwrap_or_else(|| "V2".into())),
        request_id: Some(request_id(item)),
        timestamp: Some(0),
        lang: ctx.options.lang.clone(),
        images: Some(vec![ImageSpec {
            format: spec::format_hint(&item.input),
            name: Some(spec::image_name(&item.input)),
            ..ImageSpec::default()
        }]),
        enable_table_detection: Some(ctx.options.table_detection),
    };
    let op = ctx.op;
    let mut v = match request.validate_multipart(op, Some(bytes)) {
        Ok(v) => v,
        Err(code) => return Done::Error(ApiError::new(code)),
    };
    let mut stats = Stats::default();
    let started = Instant::now();
    let timeout = st.config.request_timeout();
    let cancel = Cancel::with_deadline(Instant::now() + timeout);
    let guard = cancel.drop_guard();
    let result = tokio::time::timeout(timeout, async {
        if let Err(e) = ocr::check_operation(&domain, op) {
            return Err(e);
        }
        let templates = ocr::admitted(st, &domain, op, &v).await?;
        // The bytes move to the worker; nothing keeps a second copy.
        let bytes = match std::mem::replace(&mut v.source, jikji_clova::ImageSource::Bytes(Vec::new())) {
            jikji_clova::ImageSource::Bytes(b) => b,
            jikji_clova::ImageSource::Url(_) => Vec::new(),
        };
        ocr::recognise(st, &domain, op, &v, bytes, templates, Slot::Held(slot), &mut stats, cancel).await
    })
    .await
    .unwrap_or_else(|_| Err(ApiError::detail(jikji_clova::uncertain::REQUEST_TIMEOUT, "request timeout")));
    guard.disarm();
    if matches!(&result, Err(e) if e.code == ErrorCode::QuotaExceeded) {
        return Done::Paused("the domain's monthly quota is reached; resume the job when it is raised");
    }
    ocr::record_usage(st, domain.id, op, &stats, result.as_ref().err(), started);
    match result {
        Ok(resp) => Done::Response(resp, stats.pages),
        Err(e) => {
            tracing::info!(job = item.job_id, seq = item.seq, code = e.code.code(), "batch item answered with an error");
            Done::Error(e)
        }
    }
}

/// Writes the job summary (CSV and JSON) to `sink`, with the job shown in state `as_state`.
pub async fn write_summary(
    st: &AppState,
    job_id: i64,
    sink: &Storage,
    as_state: JobState,
) -> Result<(), String> {
    let mut job = st
        .store
        .get_job(job_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no such job")?;
    job.state = as_state;
    if as_state.is_final() && job.finished_at.is_none() {
        job.finished_at = Some(jikji_calendar::now_millis());
    }
    let items = st.store.job_items(job_id).await.map_err(|e| e.to_string())?;
    let (csv_name, json_name) = spec::summary_names(job_id);
    sink.write(&csv_name, summary::csv(&items).into_bytes(), "text/csv; charset=utf-8")
        .await
        .map_err(|e| e.to_string())?;
    sink.write(&json_name, summary::json(&job, &items), "application/json")
        .await
        .map_err(|e| e.to_string())
}

/// The sink of a stored job, for writing a summary outside a worker (a cancelled job).
pub fn job_sink(st: &AppState, sink_json: &str) -> Result<Storage, String> {
    let sink: Sink = serde_json::from_str(sink_json).map_err(|e| format!("job output: {e}"))?;
    Storage::of_sink(&sink, &st.config.s3).map_err(|e| e.to_string())
}

/// A job to create, as the admin API and `jikji batch run` describe it.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub domain_id: i64,
    /// `general`, `infer` or `document/<type>`; `None`: the domain's operation (General and
    /// Template domains; a Document domain with one model).
    pub operation: Option<String>,
    pub source: jikji_batch::SourceSpec,
    pub sink: Sink,
    pub options: JobOptions,
}

/// Why a job was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The request is not usable (the message says why; no personal data).
    #[error("{0}")]
    Invalid(String),
    #[error("store: {0}")]
    Store(#[from] jikji_store::StoreError),
}

/// Checks a job request against its domain, lists its source and stores the job with one item per
/// input (state `queued`; any worker of any process sharing the database picks it up).
pub async fn create_job(
    store: &jikji_store::Store,
    s3: &jikji_batch::S3Settings,
    access: jikji_batch::LocalAccess<'_>,
    req: JobRequest,
) -> Result<jikji_store::Job, CreateError> {
    let invalid = |m: String| CreateError::Invalid(m);
    let domain = store
        .get_domain(req.domain_id)
        .await?
        .ok_or_else(|| invalid(format!("no domain {}", req.domain_id)))?;
    let operation = match (req.operation.as_deref(), &domain.kind) {
        (Some(op), _) => op.trim().trim_start_matches('/').to_string(),
        (None, jikji_store::DomainKind::General) => "general".into(),
        (None, jikji_store::DomainKind::Template) => "infer".into(),
        (None, jikji_store::DomainKind::Document(kinds)) if kinds.len() == 1 => {
            format!("document/{}", kinds[0].as_str())
        }
        (None, jikji_store::DomainKind::Document(_)) => {
            return Err(invalid(
                "this document domain has several models: name the operation (document/<type>)".into(),
            ))
        }
    };
    let op = Operation::from_suffix(&operation)
        .ok_or_else(|| invalid(format!("unknown operation {operation:?}")))?;
    ocr::check_operation(&domain, op).map_err(|e| invalid(e.detail))?;
    let operation = ocr::usage_operation(op);
    if let Some(v) = req.options.version.as_deref() {
        if !matches!(v, "V1" | "V2") || (v == "V1" && matches!(op, Operation::Document(_))) {
            return Err(invalid(format!("version {v:?} is not served for {operation}")));
        }
    }
    if let Some(lang) = req.options.lang.as_deref() {
        jikji_engine::Lang::parse_list(lang).map_err(|_| invalid(format!("unknown language list {lang:?}")))?;
    }
    if req.options.table_detection && !domain.table_detection {
        return Err(invalid("table detection is off for this domain".into()));
    }
    let sink = jikji_batch::check_sink(&req.sink, access).map_err(|e| invalid(e.to_string()))?;
    let (source, inputs) =
        jikji_batch::resolve_source(&req.source, s3, access, jikji_store::MAX_JOB_ITEMS)
            .await
            .map_err(|e| invalid(e.to_string()))?;
    // Plain data: serialising cannot fail.
    let json = |v: serde_json::Result<String>| v.unwrap_or_default();
    let job = store
        .create_job(jikji_store::NewJob {
            domain_id: domain.id,
            operation,
            source: json(serde_json::to_string(&source)),
            sink: json(serde_json::to_string(&sink)),
            options: json(serde_json::to_string(&req.options)),
            inputs,
        })
        .await?;
    Ok(job)
}
