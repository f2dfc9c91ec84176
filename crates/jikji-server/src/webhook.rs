//! Quota warnings delivered to a webhook.
//!
//! When a call brings a domain's count for the month to 80 % and then to 100 % of its monthly
//! quota, a warning is queued in the store ([`quota_counted`]); the quota counter is one atomic
//! statement that hands each count to exactly one call, and the queue's unique (domain, event,
//! month) key keeps a warning to one per month across replicas and restarts. Every replica runs a
//! [`spawn_worker`] that claims due deliveries (leased, so each is sent by one replica at a time),
//! POSTs them and records the outcome; failures are retried `webhook_retry_base_ms × 2^(n-1)` later
//! (capped at [`MAX_RETRY_DELAY`]), up to `webhook_max_attempts` attempts.
//!
//! The request: `POST <quota_webhook_url>`, `Content-Type: application/json`, headers
//! `X-Jikji-Event` (`quota.80` / `quota.100`), `X-Jikji-Delivery` (the delivery id: the same on
//! every retry, for the receiver to drop duplicates) and `X-Jikji-Signature: sha256=<hex>` — the
//! HMAC-SHA256 of the exact body bytes with `quota_webhook_secret` as key. A 2xx answer is a
//! delivery; redirects are not followed. The URL goes through the image-URL SSRF checks
//! (`fetch.rs`): private and loopback addresses only with `quota_webhook_allow_private` /
//! `quota_webhook_allow_loopback`, link-local and metadata addresses never.

use crate::fetch::{FetchError, Fetcher, UrlPolicy};
use crate::state::AppState;
use hmac::{Hmac, Mac};
use jikji_store::{AttemptOutcome, Delivery, Domain, NewDelivery};
use sha2::Sha256;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Longest wait between two attempts of one delivery.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);
/// How long a claimed delivery is reserved for the replica that claimed it: far longer than one
/// attempt ([`SEND_TIMEOUT`]), so that only a dead replica's claims expire.
pub const LEASE: Duration = Duration::from_secs(60);
/// One attempt's limit (connection, request and answer).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a replica looks for due deliveries when nothing wakes it: the delay between a
/// retry falling due (or another replica's warning being queued) and its attempt.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
/// Deliveries claimed at once.
const CLAIM_BATCH: i64 = 16;

/// The quota levels that raise a warning, in percent.
pub const LEVELS: [u8; 2] = [80, 100];

/// The signature header's value for `body`: `sha256=` and the hex HMAC-SHA256 with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a received signature (constant time): what a receiver does.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// The smallest count at or over `percent` % of `limit`.
fn threshold(limit: i64, percent: u8) -> i64 {
    (limit * i64::from(percent) + 99) / 100
}

/// The delay after `attempts` failed attempts.
pub fn retry_delay(base: Duration, attempts: u32) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    base.saturating_mul(1u32 << exp).min(MAX_RETRY_DELAY)
}

/// Warnings queued by this process, so that the calls after a level do not each ask the store.
#[derive(Default)]
pub struct Raised {
    seen: Mutex<HashSet<(i64, String, u8)>>,
    /// Wakes this replica's worker when it queued a delivery.
    pub wake: tokio::sync::Notify,
}

/// After a call was counted against the quota: `count` is the month's count including it. Queues
/// the warnings of the levels reached (off the request path).
pub fn quota_counted(st: &AppState, domain: &Domain, month: &str, count: i64, limit: i64) {
    if st.config.quota_webhook_url.is_none() || limit <= 0 {
        return;
    }
    for level in LEVELS {
        if count < threshold(limit, level) {
            continue;
        }
        let key = (domain.id, month.to_string(), level);
        {
            let mut seen = st.raised.seen.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.insert(key) {
                continue;
            }
        }
        let body = serde_json::json!({
            "event": "quota.warning",
            "thresholdPercent": level,
            "domainId": domain.id,
            "domainName": domain.name,
            "month": month,
            "monthlyQuota": limit,
            "used": count,
            "raisedAt": jikji_calendar::now_millis(),
        })
        .to_string();
        let d = NewDelivery {
            domain_id: domain.id,
            event: format!("quota.{level}"),
            month: month.to_string(),
            body,
        };
        let st = st.clone();
        tokio::spawn(async move {
            match st.store.enqueue_delivery(&d).await {
                Ok(Some(id)) => {
                    tracing::info!(domain_id = d.domain_id, event = %d.event, delivery = id, "quota warning queued");
                    st.raised.wake.notify_one();
                }
                Ok(None) => {} // queued already (another replica, or before a restart)
                Err(e) => {
                    tracing::warn!(domain_id = d.domain_id, error = %e, "queueing a quota warning failed");
                    // Let a later call try again.
                    st.raised
                        .seen
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(d.domain_id, d.month.clone(), level));
                }
            }
        });
    }
}

/// The HTTP side: the SSRF-checked, pinned client of `fetch.rs` under the webhook's own policy.
pub fn fetcher(config: &crate::ServerConfig) -> Fetcher {
    Fetcher::new(
        UrlPolicy {
            allow_private: config.quota_webhook_allow_private,
            allow_loopback: config.quota_webhook_allow_loopback,
        },
        64 * 1024,
        0,
        SEND_TIMEOUT,
    )
}

/// One attempt: `Ok(status)` for a 2xx answer.
async fn send(st: &AppState, url: &str, d: &Delivery) -> Result<u16, (Option<u16>, String)> {
    let secret = st.config.quota_webhook_secret.as_deref().unwrap_or("").trim();
    let sig = signature(secret.as_bytes(), d.body.as_bytes());
    let resp = st
        .webhook_fetcher
        .post_json(url, d.body.clone().into_bytes(), &[
            ("X-Jikji-Signature", sig),
            ("X-Jikji-Event", d.event.clone()),
            ("X-Jikji-Delivery", d.id.to_string()),
        ])
        .await;
    match resp {
        Ok(status) if (200..300).contains(&status) => Ok(status),
        Ok(status) => Err((Some(status), format!("HTTP status {status}"))),
        Err(FetchError::Refused(r)) => Err((None, format!("refused URL: {r}"))),
        Err(e) => Err((None, e.to_string())),
    }
}

/// Claims and sends due deliveries until none is due; returns how many were attempted.
pub async fn run_due(st: &AppState) -> usize {
    let Some(url) = st.config.quota_webhook_url.clone() else {
        return 0;
    };
    let base = Duration::from_millis(st.config.webhook_retry_base_ms.max(1));
    let mut attempted = 0;
    loop {
        let batch = match st
            .store
            .claim_deliveries(CLAIM_BATCH, LEASE.as_millis() as i64)
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "claiming webhook deliveries failed");
                return attempted;
            }
        };
        if batch.is_empty() {
            return attempted;
        }
        for d in batch {
            attempted += 1;
            let outcome = match send(st, &url, &d).await {
                Ok(status) => AttemptOutcome::Delivered { http_status: status },
                Err((status, error)) => {
                    let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX);
                    let retry_at = (attempts < st.config.webhook_max_attempts.max(1)).then(|| {
                        jikji_calendar::now_millis() + retry_delay(base, attempts).as_millis() as i64
                    });
                    // No URL or body in the log line: the event and the delivery id say which.
                    tracing::warn!(delivery = d.id, event = %d.event, attempts, error = %error, gave_up = retry_at.is_none(), "webhook delivery failed");
                    AttemptOutcome::Failed {
                        http_status: status,
                        error,
                        retry_at,
                    }
                }
            };
            if let Err(e) = st.store.finish_delivery(d.id, &outcome).await {
                tracing::warn!(delivery = d.id, error = %e, "recording a webhook delivery failed");
            }
        }
    }
}

/// Sends due deliveries whenever this replica queued one, and every [`POLL_EVERY`].
pub fn spawn_worker(st: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if st.config.quota_webhook_url.is_none() {
            return;
        }
        loop {
            run_due(&st).await;
            tokio::select! {
                _ = st.raised.wake.notified() => {}
                _ = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    })
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Only this domain's deliveries.
    pub domain_id: Option<i64>,
    /// Most rows, newest first (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The webhook delivery log, newest first: event, month, status (`pending`, `delivered`,
/// `failed`), attempts, next attempt, last HTTP status and error.
#[utoipa::path(get, path = "/admin/v1/webhooks/deliveries", tag = "admin", security(("bearer" = [])),
    params(DeliveriesQuery),
    responses((status = 200, body = Vec<jikji_store::Delivery>),
              (status = 400, description = "invalid query", body = crate::admin::AdminError)))]
pub async fn deliveries(
    axum::extract::State(st): axum::extract::State<AppState>,
    q: Result<axum::extract::Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let q = match q {
        Ok(axum::extract::Query(q)) => q,
        Err(e) => return crate::admin::invalid(e.body_text()),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return crate::admin::invalid(format!("limit {limit} is not within 1–1000"));
    }
    match st.store.list_deliveries(q.domain_id, limit).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => crate::admin::store_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_differ() {
        let s = signature(b"key", b"{\"a\":1}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64, "{s}");
        assert!(verify(b"key", b"{\"a\":1}", &s));
        assert!(!verify(b"key", b"{\"a\":2}", &s));
        assert!(!verify(b"other", b"{\"a\":1}", &s));
        assert!(!verify(b"key", b"{\"a\":1}", "sha256=zz"));
        // RFC 4231 test case 2
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn levels_and_backoff() {
        assert_eq!(threshold(10, 80), 8);
        assert_eq!(threshold(10, 100), 10);
        assert_eq!(threshold(3, 80), 3);
        assert_eq!(threshold(1000, 80), 800);
        let b = Duration::from_secs(5);
        assert_eq!(retry_delay(b, 1), Duration::from_secs(5));
        assert_eq!(retry_delay(b, 2), Duration::from_secs(10));
        assert_eq!(retry_delay(b, 4), Duration::from_secs(40));
        assert_eq!(retry_delay(b, 40), MAX_RETRY_DELAY);
    }
}
