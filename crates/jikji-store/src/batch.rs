//! Batch jobs and their work queue (tables `batch_jobs`, `batch_items`; migration 0005).
//!
//! A job is one domain operation over many inputs; every input is one row of `batch_items`, which is
//! the queue that the workers of any number of `jikji serve` processes share. The store keeps the
//! job's source, sink and options as JSON text (the `jikji-batch` crate owns their shape) and never
//! any credential.
//!
//! Claiming ([`Store::claim_items`]) is one `UPDATE … WHERE (job_id, seq) IN (SELECT … LIMIT n)`:
//! on PostgreSQL the inner select takes its rows `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//! never wait for each other and never get the same row; on SQLite the database has one writer at
//! a time, which makes the statement atomic by itself. A claim is a lease (`worker`,
//! `leased_until`): when the worker dies, the lease runs out and the next claim takes the item
//! again. Only the lease holder can finish an item ([`Store::finish_item`]), so a worker that comes
//! back after its lease was taken over changes nothing.
//!
//! The job's end: the worker that finds no open item left takes the job's `finishing_until` lease
//! ([`Store::begin_finishing`]), writes the summary and marks the job `done`
//! ([`Store::finish_job`]); if it dies in between, the lease runs out and another worker does it.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Backend, Store, StoreError};

/// Most inputs in one job: a listing beyond it is refused. 200,000 rows are about 40 MB in the
/// database and a day of work for a few replicas; larger sets are split into several jobs.
pub const MAX_JOB_ITEMS: usize = 200_000;
/// Longest input name (relative path or object key) in bytes; S3 keys are at most 1024.
pub const MAX_INPUT_BYTES: usize = 1024;
/// Rows per `INSERT` when a job's items are written (3 binds a row, well under both databases'
/// limits on bound parameters).
const INSERT_CHUNK: usize = 500;
/// The window over which [`Job::rate_per_sec`] counts finished items: long enough to smooth a few
/// slow inputs, short enough that a pause or a new replica shows within a minute.
pub const RATE_WINDOW_MS: i64 = 60_000;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Created; no item claimed yet.
    Queued,
    /// Items are being claimed.
    Running,
    /// No new item is claimed until resumed; items in flight finish.
    Paused,
    /// Stopped for good unless resumed; open items stay open.
    Cancelled,
    /// Every item finished and the summary is written.
    Done,
    /// Stopped because results could not be written (see `error`); resumable.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Running,
        JobState::Paused,
        JobState::Cancelled,
        JobState::Done,
        JobState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Paused => "paused",
            JobState::Cancelled => "cancelled",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobState, StoreError> {
        JobState::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("batch job state {s:?}")))
    }

    /// The job has ended (nothing more happens unless it is resumed).
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Cancelled | JobState::Done | JobState::Failed)
    }
}

/// A job to create: the domain operation, the JSON of its source, sink and options, and its inputs
/// in the order they are to be worked on.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub domain_id: i64,
    /// `general`, `infer` or `document/<type>`.
    pub operation: String,
    pub source: String,
    pub sink: String,
    pub options: String,
    pub inputs: Vec<String>,
}

/// Items of a job by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    pub pending: i64,
    pub leased: i64,
    /// Finished with a result (`SUCCESS`, `FAILURE` or `ERROR` image).
    pub done: i64,
    /// Finished with an error (an error code instead of a result).
    pub failed: i64,
}

impl ItemCounts {
    pub fn finished(&self) -> i64 {
        self.done + self.failed
    }
    pub fn open(&self) -> i64 {
        self.pending + self.leased
    }
}

/// A job with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub domain_id: i64,
    pub operation: String,
    pub source: String,
    pub sink: String,
    pub options: String,
    pub state: JobState,
    pub error: Option<String>,
    pub total: i64,
    pub counts: ItemCounts,
    /// Items finished in the last [`RATE_WINDOW_MS`] (or since the start, if shorter), per second.
    pub rate_per_sec: f64,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl Job {
    /// Seconds until every open item is finished at the current rate; `None` without a rate.
    pub fn eta_secs(&self) -> Option<f64> {
        let open = self.counts.open();
        if open == 0 {
            return Some(0.0);
        }
        (self.rate_per_sec > 0.0 && !self.state.is_final() && self.state != JobState::Paused)
            .then(|| open as f64 / self.rate_per_sec)
    }
}

/// A claimed item: the worker holds it until its lease runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub job_id: i64,
    pub seq: i64,
    pub input: String,
    /// Claims of this item so far, this one included (above 1: an earlier worker did not finish it).
    pub attempts: i64,
}

/// How an item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    /// `true`: a result was written; `false`: an error (code and message) was.
    pub ok: bool,
    /// `SUCCESS`, `FAILURE`, `ERROR` (the image's `inferResult`) or `error`.
    pub status: String,
    pub pages: i64,
    pub millis: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One item as the summary reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    pub seq: i64,
    pub input: String,
    /// `pending`, `leased`, `done` or `failed`.
    pub state: String,
    pub status: Option<String>,
    pub pages: Option<i64>,
    pub millis: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempts: i64,
    pub finished_at: Option<i64>,
}

const JOB_COLUMNS: &str = "id, domain_id, operation, source, sink, options, state, error, total, \
     created_at, updated_at, started_at, finished_at";

impl Store {
    /// Creates a job and its items (one transaction): state `queued`. The domain must exist;
    /// `inputs` must be non-empty, at most [`MAX_JOB_ITEMS`], each non-empty and at most
    /// [`MAX_INPUT_BYTES`].
    pub async fn create_job(&self, new: NewJob) -> Result<Job, StoreError> {
        if new.inputs.is_empty() {
            return Err(StoreError::Invalid("the batch job has no inputs".into()));
        }
        if new.inputs.len() > MAX_JOB_ITEMS {
            return Err(StoreError::Invalid(format!(
                "the batch job has {} inputs; at most {MAX_JOB_ITEMS} are allowed in one job",
                new.inputs.len()
            )));
        }
        if let Some(bad) = new
            .inputs
            .iter()
            .find(|i| i.is_empty() || i.len() > MAX_INPUT_BYTES)
        {
            return Err(StoreError::Invalid(format!(
                "an input name is empty or longer than {MAX_INPUT_BYTES} bytes ({} bytes)",
                bad.len()
            )));
        }
        if self.get_domain(new.domain_id).await?.is_none() {
            return Err(StoreError::Invalid(format!("no domain {}", new.domain_id)));
        }
        let now = jikji_calendar::now_millis();
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO batch_jobs (domain_id, operation, source, sink, options, state, total, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $7) RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new.domain_id)
            .bind(&new.operation)
            .bind(&new.source)
            .bind(&new.sink)
            .bind(&new.options)
            .bind(new.inputs.len() as i64)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let id: i64 = row.try_get("id")?;
        for (chunk_no, chunk) in new.inputs.chunks(INSERT_CHUNK).enumerate() {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, 'pending')", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO batch_items (job_id, seq, input, state) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (i, input) in chunk.iter().enumerate() {
                q = q
                    .bind(id)
                    .bind((chunk_no * INSERT_CHUNK + i) as i64)
                    .bind(input.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.job_with_progress(&row).await
    }

    /// The job with its progress; `None` if there is no such job.
    pub async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM batch_jobs WHERE id = $1");
        match sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await? {
            Some(row) => Ok(Some(self.job_with_progress(&row).await?)),
            None => Ok(None),
        }
    }

    /// The newest `limit` jobs (newest first), optionally only those in `state`.
    pub async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let rows = match state {
            Some(s) => {
                let sql = format!(
                    "SELECT {JOB_COLUMNS} FROM batch_jobs WHERE state = $1 ORDER BY id DESC LIMIT $2"
                );
                sqlx::query(&sql)
                    .bind(s.as_str())
                    .bind(limit.max(0))
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!("SELECT {JOB_COLUMNS} FROM batch_jobs ORDER BY id DESC LIMIT $1");
                sqlx::query(&sql)
                    .bind(limit.max(0))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut jobs = Vec::with_capacity(rows.len());
        for r in &rows {
            jobs.push(self.job_with_progress(r).await?);
        }
        Ok(jobs)
    }

    /// Every item of a job in input order (for the summary).
    pub async fn job_items(&self, job_id: i64) -> Result<Vec<ItemRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, input, state, status, pages, millis, error_code, error_message, attempts, \
             finished_at FROM batch_items WHERE job_id = $1 ORDER BY seq",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ItemRow {
                    seq: r.try_get("seq")?,
                    input: r.try_get("input")?,
                    state: r.try_get("state")?,
                    status: r.try_get("status")?,
                    pages: r.try_get("pages")?,
                    millis: r.try_get("millis")?,
                    error_code: r.try_get("error_code")?,
                    error_message: r.try_get("error_message")?,
                    attempts: r.try_get("attempts")?,
                    finished_at: r.try_get("finished_at")?,
                })
            })
            .collect()
    }

    /// Claims up to `limit` open items of queued or running jobs (all of them, or only job
    /// `only_job`) for `worker` until `now + lease_ms`: pending items, and leased ones whose lease
    /// has run out. Oldest job first, inputs in order. A queued job that gets an item turns `running`.
    pub async fn claim_items(
        &self,
        worker: &str,
        lease_ms: i64,
        limit: i64,
        only_job: Option<i64>,
    ) -> Result<Vec<Claimed>, StoreError> {
        let now = jikji_calendar::now_millis();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE OF i SKIP LOCKED",
            // One writer at a time: the statement is atomic as it stands.
            Backend::Sqlite => "",
        };
        let one_job = if only_job.is_some() { " AND i.job_id = $5" } else { "" };
        let sql = format!(
            "UPDATE batch_items SET state = 'leased', worker = $1, leased_until = $2, \
             attempts = attempts + 1 \
             WHERE (job_id, seq) IN (\
               SELECT i.job_id, i.seq FROM batch_items i JOIN batch_jobs j ON j.id = i.job_id \
               WHERE j.state IN ('queued', 'running') \
                 AND (i.state = 'pending' OR (i.state = 'leased' AND i.leased_until < $3)){one_job} \
               ORDER BY i.job_id, i.seq LIMIT $4{lock}) \
             RETURNING job_id, seq, input, attempts"
        );
        let mut q = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit.max(1));
        if let Some(job) = only_job {
            q = q.bind(job);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut claimed: Vec<Claimed> = rows
            .iter()
            .map(|r| {
                Ok(Claimed {
                    job_id: r.try_get("job_id")?,
                    seq: r.try_get("seq")?,
                    input: r.try_get("input")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        claimed.sort_by_key(|c| (c.job_id, c.seq));
        let mut jobs: Vec<i64> = claimed.iter().map(|c| c.job_id).collect();
        jobs.dedup();
        for job in jobs {
            sqlx::query(
                "UPDATE batch_jobs SET state = 'running', started_at = COALESCE(started_at, $1), \
                 updated_at = $1 WHERE id = $2 AND state = 'queued'",
            )
            .bind(now)
            .bind(job)
            .execute(&self.pool)
            .await?;
        }
        Ok(claimed)
    }

    /// Records how a leased item ended; `false` (nothing changed) when `worker` no longer holds
    /// its lease (it ran out and another worker took the item).
    pub async fn finish_item(
        &self,
        job_id: i64,
        seq: i64,
        worker: &str,
        outcome: &ItemOutcome,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE batch_items SET state = $1, status = $2, pages = $3, millis = $4, \
             error_code = $5, error_message = $6, finished_at = $7, worker = NULL, leased_until = NULL \
             WHERE job_id = $8 AND seq = $9 AND state = 'leased' AND worker = $10",
        )
        .bind(if outcome.ok { "done" } else { "failed" })
        .bind(&outcome.status)
        .bind(outcome.pages)
        .bind(outcome.millis)
        .bind(outcome.error_code.as_deref())
        .bind(outcome.error_message.as_deref())
        .bind(jikji_calendar::now_millis())
        .bind(job_id)
        .bind(seq)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives a leased item back (pending again, its attempt still counted), e.g. when its result
    /// could not be written; `false` when `worker` no longer holds it.
    pub async fn release_item(
        &self,
        job_id: i64,
        seq: i64,
        worker: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE batch_items SET state = 'pending', worker = NULL, leased_until = NULL \
             WHERE job_id = $1 AND seq = $2 AND state = 'leased' AND worker = $3",
        )
        .bind(job_id)
        .bind(seq)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Moves a job to `to` if it is in one of `from` (with `error` recorded, or cleared when
    /// `None`); returns the job as it is afterwards and whether it moved, or `None` if there is no
    /// such job.
    pub async fn set_job_state(
        &self,
        id: i64,
        from: &[JobState],
        to: JobState,
        error: Option<&str>,
    ) -> Result<Option<(Job, bool)>, StoreError> {
        if from.is_empty() {
            return Err(StoreError::Invalid("no state to move from".into()));
        }
        let now = jikji_calendar::now_millis();
        let list: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let finished = if to.is_final() { "$3" } else { "NULL" };
        let sql = format!(
            "UPDATE batch_jobs SET state = $1, error = $2, updated_at = $3, finished_at = {finished}, \
             finishing_until = NULL WHERE id = $4 AND state IN ({})",
            list.join(", ")
        );
        let moved = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            > 0;
        Ok(self.get_job(id).await?.map(|j| (j, moved)))
    }

    /// Takes the job's finishing lease for `lease_ms` if the job is running, has no open item and
    /// nobody else holds the lease; `true` if taken (the caller writes the summary and then calls
    /// [`Store::finish_job`]).
    pub async fn begin_finishing(&self, id: i64, lease_ms: i64) -> Result<bool, StoreError> {
        let now = jikji_calendar::now_millis();
        let done = sqlx::query(
            "UPDATE batch_jobs SET finishing_until = $1 WHERE id = $2 AND state = 'running' \
             AND (finishing_until IS NULL OR finishing_until < $3) \
             AND NOT EXISTS (SELECT 1 FROM batch_items i WHERE i.job_id = $2 \
                             AND i.state IN ('pending', 'leased'))",
        )
        .bind(now + lease_ms)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Running jobs without open items whose summary nobody is writing (a finisher died, or the
    /// last item was finished by a worker that stopped before it looked).
    pub async fn jobs_to_finish(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT j.id FROM batch_jobs j WHERE j.state = 'running' \
             AND (j.finishing_until IS NULL OR j.finishing_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM batch_items i WHERE i.job_id = j.id \
                             AND i.state IN ('pending', 'leased')) ORDER BY j.id",
        )
        .bind(jikji_calendar::now_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("id").map_err(StoreError::from))
            .collect()
    }

    /// Marks a running job `done` (after its summary was written).
    pub async fn finish_job(&self, id: i64) -> Result<bool, StoreError> {
        let now = jikji_calendar::now_millis();
        let done = sqlx::query(
            "UPDATE batch_jobs SET state = 'done', finished_at = $1, updated_at = $1, \
             finishing_until = NULL WHERE id = $2 AND state = 'running'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn job_with_progress(&self, r: &AnyRow) -> Result<Job, StoreError> {
        let id: i64 = r.try_get("id")?;
        let state: String = r.try_get("state")?;
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM batch_items WHERE job_id = $1 GROUP BY state")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let mut counts = ItemCounts::default();
        for row in &rows {
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("state")?.as_str() {
                "pending" => counts.pending = n,
                "leased" => counts.leased = n,
                "done" => counts.done = n,
                "failed" => counts.failed = n,
                other => return Err(StoreError::Corrupt(format!("batch item state {other:?}"))),
            }
        }
        let started_at: Option<i64> = r.try_get("started_at")?;
        let finished_at: Option<i64> = r.try_get("finished_at")?;
        let now = jikji_calendar::now_millis();
        let end = finished_at.unwrap_or(now);
        let rate_per_sec = match started_at {
            Some(start) if end > start => {
                let window_start = start.max(end - RATE_WINDOW_MS);
                let n: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM batch_items WHERE job_id = $1 AND finished_at >= $2",
                )
                .bind(id)
                .bind(window_start)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
                n as f64 * 1000.0 / (end - window_start) as f64
            }
            _ => 0.0,
        };
        Ok(Job {
            id,
            domain_id: r.try_get("domain_id")?,
            operation: r.try_get("operation")?,
            source: r.try_get("source")?,
            sink: r.try_get("sink")?,
            options: r.try_get("options")?,
            state: JobState::parse(&state)?,
            error: r.try_get("error")?,
            total: r.try_get("total")?,
            counts,
            rate_per_sec,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            started_at,
            finished_at,
        })
    }
}

/// Deletes a domain's jobs and their items (inside [`Store::delete_domain`]'s transaction; explicit
/// rather than relying on `ON DELETE CASCADE`, which SQLite applies only with its foreign-keys pragma).
pub(crate) async fn delete_domain_jobs(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    domain_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM batch_items WHERE job_id IN (SELECT id FROM batch_jobs WHERE domain_id = $1)",
    )
    .bind(domain_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM batch_jobs WHERE domain_id = $1")
        .bind(domain_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn states_roundtrip() {
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()).unwrap(), s);
        }
        assert!(JobState::parse("lost").is_err());
        assert!(JobState::Done.is_final() && !JobState::Paused.is_final());
    }

    #[test]
    fn eta_from_rate() {
        let mut job = Job {
            id: 1,
            domain_id: 1,
            operation: "general".into(),
            source: "{}".into(),
            sink: "{}".into(),
            options: "{}".into(),
            state: JobState::Running,
            error: None,
            total: 10,
            counts: ItemCounts {
                pending: 6,
                leased: 2,
                done: 1,
                failed: 1,
            },
            rate_per_sec: 2.0,
            created_at: 0,
            updated_at: 0,
            started_at: Some(0),
            finished_at: None,
        };
        assert_eq!(job.eta_secs(), Some(4.0));
        job.rate_per_sec = 0.0;
        assert_eq!(job.eta_secs(), None);
        job.state = JobState::Paused;
        job.rate_per_sec = 2.0;
        assert_eq!(job.eta_secs(), None, "a paused job has no ETA");
    }
}
