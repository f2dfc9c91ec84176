//! Per-domain token buckets (error 0025). Parameters come from the domain on every call, so an admin
//! change applies at once.
//!
//! On PostgreSQL the bucket is a row of the database ([`take`] → `Store::take_rate_token`, one
//! statement), so the limit holds across every replica sharing it; on SQLite (one process) it is
//! kept in memory ([`RateLimiter`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Takes one token of `domain`'s bucket: shared by all replicas on PostgreSQL, in memory on
/// SQLite. Should the database fail, this process's own bucket decides, so that a database hiccup
/// neither stops all traffic nor lifts the limit.
pub async fn take(st: &crate::AppState, domain: &jikji_store::Domain) -> bool {
    let Some(rate) = domain
        .rate_limit_per_sec
        .filter(|r| r.is_finite() && *r > 0.0)
    else {
        return true;
    };
    if st.store.backend() == jikji_store::Backend::Postgres {
        match st
            .store
            .take_rate_token(domain.id, rate, bucket_size(rate, domain.rate_burst))
            .await
        {
            Ok(taken) => return taken,
            Err(e) => {
                tracing::warn!(domain_id = domain.id, error = %e, "shared rate limit unavailable; using this process's bucket")
            }
        }
    }
    st.limiter
        .try_take(domain.id, Some(rate), domain.rate_burst)
}

/// The bucket size: `burst`, else `ceil(rate)` (at least 1).
pub fn bucket_size(rate: f64, burst: Option<u32>) -> f64 {
    burst
        .filter(|b| *b > 0)
        .map(f64::from)
        .unwrap_or_else(|| rate.ceil().max(1.0))
}

/// Token buckets keyed by domain id.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl RateLimiter {
    /// Takes one token for `domain_id`; `false` when the bucket is empty. `rate` ≤ 0 or `None` means
    /// unlimited. The burst defaults to `ceil(rate)` (at least 1).
    pub fn try_take(&self, domain_id: i64, rate: Option<f64>, burst: Option<u32>) -> bool {
        let Some(rate) = rate.filter(|r| r.is_finite() && *r > 0.0) else {
            return true;
        };
        let cap = bucket_size(rate, burst);
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(domain_id).or_insert(Bucket {
            tokens: cap,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(cap);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets a domain's bucket (after delete).
    pub fn forget(&self, domain_id: i64) {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&domain_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket() {
        let l = RateLimiter::default();
        assert!(l.try_take(1, Some(2.0), None));
        assert!(l.try_take(1, Some(2.0), None));
        assert!(!l.try_take(1, Some(2.0), None));
        assert!(l.try_take(2, Some(2.0), Some(1)));
        assert!(!l.try_take(2, Some(2.0), Some(1)));
        assert!(l.try_take(3, None, None));
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert!(l.try_take(1, Some(2.0), None));
    }
}
