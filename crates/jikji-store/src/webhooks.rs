//! The webhook delivery queue and log (table `webhook_deliveries`, migration 0006).
//!
//! A delivery is queued once per (domain, event, month) — the unique key, so two replicas raising
//! the same warning queue it once ([`Store::enqueue_delivery`]). Any replica claims due deliveries
//! with a lease ([`Store::claim_deliveries`]: `FOR UPDATE SKIP LOCKED` on PostgreSQL), sends them,
//! and records the outcome ([`Store::finish_delivery`]); a replica that dies mid-delivery leaves a
//! lease that expires, after which another one retries. Being in the database, the queue survives
//! restarts.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Backend, Store, StoreError};

/// A delivery to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub domain_id: i64,
    /// `quota.80`, `quota.100`.
    pub event: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The JSON body, sent and signed as is.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Queued or waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last attempt.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(StoreError::Corrupt(format!("delivery status {other:?}"))),
        }
    }
}

/// A queued or finished delivery.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub domain_id: i64,
    pub event: String,
    pub month: String,
    #[serde(skip)]
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// Unix ms of the next attempt (pending deliveries).
    pub next_attempt_at: i64,
    /// Why the last attempt failed (connection error, HTTP status, refused address).
    pub last_error: Option<String>,
    pub last_http_status: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, domain_id, event, month, body, status, attempts, next_attempt_at, \
     last_error, last_http_status, created_at, updated_at";

fn delivery_from_row(r: &AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.try_get("id")?,
        domain_id: r.try_get("domain_id")?,
        event: r.try_get("event")?,
        month: r.try_get("month")?,
        body: r.try_get("body")?,
        status: DeliveryStatus::parse(&r.try_get::<String, _>("status")?)?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        last_http_status: r.try_get("last_http_status")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    Delivered { http_status: u16 },
    /// Failed; `retry_at` (Unix ms) schedules another attempt, `None` gives up.
    Failed {
        http_status: Option<u16>,
        error: String,
        retry_at: Option<i64>,
    },
}

/// Longest error text kept in the log.
const MAX_ERROR_CHARS: usize = 500;

impl Store {
    /// Queues a delivery; `None` when one for the same (domain, event, month) exists already.
    pub async fn enqueue_delivery(&self, d: &NewDelivery) -> Result<Option<i64>, StoreError> {
        let now = jikji_calendar::now_millis();
        let row = sqlx::query(
            "INSERT INTO webhook_deliveries (domain_id, event, month, body, status, attempts, \
             next_attempt_at, lease_until, created_at, updated_at) \
             SELECT $1, $2, $3, $4, 'pending', 0, $5, 0, $5, $5 \
             WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) \
             ON CONFLICT (domain_id, event, month) DO NOTHING RETURNING id",
        )
        .bind(d.domain_id)
        .bind(&d.event)
        .bind(&d.month)
        .bind(&d.body)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<i64, _>("id"))
            .transpose()
            .map_err(StoreError::from)
    }

    /// Claims up to `limit` due pending deliveries for `lease_ms` and counts the attempt. Two
    /// replicas claiming at once never get the same delivery.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let now = jikji_calendar::now_millis();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            // One writer at a time: the statement is atomic as it stands.
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1 + $2, attempts = attempts + 1, updated_at = $1 \
             WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' \
             AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY id LIMIT $3{lock}) \
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(lease_ms.max(1))
            .bind(limit.max(1))
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<Delivery> = rows.iter().map(delivery_from_row).collect::<Result<_, _>>()?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    /// Records an attempt's outcome and releases the lease.
    pub async fn finish_delivery(&self, id: i64, outcome: &AttemptOutcome) -> Result<(), StoreError> {
        let now = jikji_calendar::now_millis();
        let (status, http, error, next) = match outcome {
            AttemptOutcome::Delivered { http_status } => {
                (DeliveryStatus::Delivered, Some(*http_status), None, now)
            }
            AttemptOutcome::Failed {
                http_status,
                error,
                retry_at,
            } => (
                if retry_at.is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Failed
                },
                *http_status,
                Some(error.chars().take(MAX_ERROR_CHARS).collect::<String>()),
                retry_at.unwrap_or(now),
            ),
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, last_http_status = $2, last_error = $3, \
             next_attempt_at = $4, lease_until = 0, updated_at = $5 WHERE id = $6",
        )
        .bind(status.as_str())
        .bind(http.map(i64::from))
        .bind(error)
        .bind(next)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delivery log, newest first: one domain's or all, at most `limit` rows.
    pub async fn list_deliveries(
        &self,
        domain_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let limit = limit.clamp(1, 1000);
        let rows = match domain_id {
            Some(id) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM webhook_deliveries WHERE domain_id = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM webhook_deliveries ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(delivery_from_row).collect()
    }
}
