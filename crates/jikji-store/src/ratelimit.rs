//! The per-domain token bucket kept in the database (table `rate_buckets`, migration 0006), so that
//! a rate limit holds across every `jikji serve` process sharing one PostgreSQL database.
//!
//! One statement takes a token: an upsert that refills the bucket from the time elapsed since its
//! last update (the database's clock, so the replicas' clocks do not matter) and takes one token
//! only when at least one is there (`ON CONFLICT … DO UPDATE … WHERE`). Concurrent callers are
//! serialised by the row lock, so no two of them spend the same token.

use sqlx::Row;

use crate::{Backend, Store, StoreError};

impl Store {
    /// Takes one token from `domain_id`'s bucket (refilled at `rate_per_sec`, holding at most
    /// `bucket_size` tokens; a new bucket starts full). `false`: the bucket is empty.
    pub async fn take_rate_token(
        &self,
        domain_id: i64,
        rate_per_sec: f64,
        bucket_size: f64,
    ) -> Result<bool, StoreError> {
        if !(rate_per_sec.is_finite() && rate_per_sec > 0.0) {
            return Err(StoreError::Invalid(format!("rate {rate_per_sec} is not positive")));
        }
        let bucket_size = if bucket_size.is_finite() { bucket_size.max(1.0) } else { 1.0 };
        // The database's clock in fractional Unix milliseconds, and its min/max functions.
        let (now, least, greatest) = match self.backend {
            Backend::Postgres => (
                "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS DOUBLE PRECISION)",
                "LEAST",
                "GREATEST",
            ),
            Backend::Sqlite => ("((julianday('now') - 2440587.5) * 86400000.0)", "MIN", "MAX"),
        };
        let refilled = format!(
            "{least}($3, rate_buckets.tokens + {greatest}(0, excluded.updated_at - rate_buckets.updated_at) * $2 / 1000.0)"
        );
        let sql = format!(
            "INSERT INTO rate_buckets (domain_id, tokens, updated_at) \
             SELECT $1, $3 - 1, {now} WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) \
             ON CONFLICT (domain_id) DO UPDATE SET \
             tokens = {refilled} - 1, \
             updated_at = {greatest}(rate_buckets.updated_at, excluded.updated_at) \
             WHERE {refilled} >= 1 \
             RETURNING tokens"
        );
        let row = sqlx::query(&sql)
            .bind(domain_id)
            .bind(rate_per_sec)
            .bind(bucket_size)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => {
                let _: f64 = r.try_get("tokens")?;
                Ok(true)
            }
            // No row: the bucket is empty, or the domain is gone (nothing to serve either way).
            None => Ok(false),
        }
    }
}
