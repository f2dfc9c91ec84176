//! Usage statistics per domain and UTC day (tables `usage_daily`, `usage_latency`; migration 0006).
//!
//! The server counts calls in memory ([`UsageBatch`]) and flushes the batch every second or so with
//! [`Store::record_usage_batch`]: one transaction of additive upserts, which also feeds the monthly
//! rows of `usage_monthly`. Additive upserts commute, so any number of replicas flushing into one
//! PostgreSQL database add up exactly.
//!
//! Latency is kept as a histogram of fixed log-spaced buckets ([`latency_bucket`]): quarter
//! octaves, so a percentile read from it ([`Histogram::percentile`]) is exact to within one bucket
//! (at most 19 % above the true value), and histograms of different replicas or days merge by
//! adding counts.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError};

/// Buckets per doubling of the latency. Four (each bucket ~19 % wide) keeps p50/p90/p99 within a
/// fifth of the true value while a whole day of one operation is at most [`LATENCY_BUCKETS`] rows.
pub const BUCKETS_PER_OCTAVE: f64 = 4.0;
/// Number of latency buckets: bucket 0 holds calls under 1 ms, bucket k (1 ≤ k < 80) calls in
/// [2^((k-1)/4), 2^(k/4)) ms, the last one everything from 2^(78/4) ms ≈ 12 min on (far over
/// the longest request timeout anyone configures).
pub const LATENCY_BUCKETS: usize = 80;

/// The histogram bucket of a latency in milliseconds.
pub fn latency_bucket(ms: f64) -> usize {
    if !ms.is_finite() || ms < 1.0 {
        return 0;
    }
    let k = (ms.log2() * BUCKETS_PER_OCTAVE).floor() as usize + 1;
    k.min(LATENCY_BUCKETS - 1)
}

/// The upper edge of a bucket in milliseconds (what a percentile in that bucket is reported as).
pub fn bucket_upper_ms(bucket: usize) -> f64 {
    2f64.powf(bucket as f64 / BUCKETS_PER_OCTAVE)
}

/// Counts per latency bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    pub counts: BTreeMap<usize, i64>,
}

impl Histogram {
    pub fn add(&mut self, bucket: usize, n: i64) {
        *self.counts.entry(bucket.min(LATENCY_BUCKETS - 1)).or_default() += n;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (&b, &n) in &other.counts {
            self.add(b, n);
        }
    }

    pub fn count(&self) -> i64 {
        self.counts.values().sum()
    }

    /// The `q`-quantile (0 < q ≤ 1) as the upper edge of the bucket holding it: the smallest
    /// bucket edge with at least `ceil(q · n)` calls at or below it. `None` without calls.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as i64).max(1);
        let mut seen = 0;
        for (&b, &c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(bucket_upper_ms(b));
            }
        }
        self.counts.keys().last().map(|&b| bucket_upper_ms(b))
    }

    /// p50, p90 and p99.
    pub fn summary(&self) -> Latency {
        Latency {
            count: self.count(),
            p50_ms: self.percentile(0.50),
            p90_ms: self.percentile(0.90),
            p99_ms: self.percentile(0.99),
        }
    }
}

/// Latency percentiles (upper bucket edges, milliseconds) over `count` calls.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Latency {
    pub count: i64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// What one call did, as the server counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub domain_id: i64,
    /// When the call was answered (Unix ms): picks the UTC day and month.
    pub at_ms: i64,
    /// `general`, `infer`, `document/receipt`, …
    pub operation: String,
    /// [`SUCCESS`], a CLOVA error code, or `FAILURE` / `ERROR` for an image that failed in a 200.
    pub outcome: String,
    pub pages: i64,
    pub table_pages: i64,
    /// Calls made to Template external validators (`validationUrl`) for this call.
    pub validations: i64,
    /// Answer time; `None` leaves the call out of the histogram (see the server's usage module).
    pub latency_ms: Option<f64>,
}

/// The outcome of a successful call.
pub const SUCCESS: &str = "success";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub calls: i64,
    pub pages: i64,
    pub table_pages: i64,
    pub validations: i64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.calls += o.calls;
        self.pages += o.pages;
        self.table_pages += o.table_pages;
        self.validations += o.validations;
    }
}

type DayKey = (i64, String, String); // domain, day, operation

/// Calls counted in memory since the last flush.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageBatch {
    outcomes: BTreeMap<(i64, String, String, String), Counts>,
    latency: BTreeMap<DayKey, Histogram>,
}

impl UsageBatch {
    pub fn add(&mut self, c: &CallRecord) {
        let day = jikji_calendar::day_of_millis(c.at_ms);
        let op = c.operation.trim().trim_start_matches('/').to_string();
        self.outcomes
            .entry((c.domain_id, day.clone(), op.clone(), c.outcome.clone()))
            .or_default()
            .add(Counts {
                calls: 1,
                pages: c.pages.max(0),
                table_pages: c.table_pages.max(0),
                validations: c.validations.max(0),
            });
        if let Some(ms) = c.latency_ms {
            self.latency
                .entry((c.domain_id, day, op))
                .or_default()
                .add(latency_bucket(ms), 1);
        }
    }

    /// Adds another batch (one whose write failed, to be retried with this one).
    pub fn merge(&mut self, other: UsageBatch) {
        for (k, c) in other.outcomes {
            self.outcomes.entry(k).or_default().add(c);
        }
        for (k, h) in other.latency {
            self.latency.entry(k).or_default().merge(&h);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty() && self.latency.is_empty()
    }

    /// Calls in the batch.
    pub fn calls(&self) -> i64 {
        self.outcomes.values().map(|c| c.calls).sum()
    }
}

/// One operation's figures in a day or range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OperationUsage {
    pub calls: i64,
    pub pages: i64,
    pub table_pages: i64,
    pub failures: i64,
}

/// A day's (or a whole range's) usage of one domain.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayUsage {
    /// `YYYY-MM-DD`, or `total` for the range.
    pub day: String,
    pub calls: i64,
    pub pages: i64,
    /// Pages read with table detection.
    pub table_pages: i64,
    /// Calls of the Document OCR models (CLOVA bills them per transaction).
    pub document_transactions: i64,
    /// Calls of Template OCR (`/infer`).
    pub template_transactions: i64,
    /// Images sent to Template external validators (`validationUrl`).
    pub validations: i64,
    pub successes: i64,
    pub failures: i64,
    /// Calls per outcome: `success`, CLOVA error codes, `FAILURE`/`ERROR`.
    pub outcomes: BTreeMap<String, i64>,
    pub operations: BTreeMap<String, OperationUsage>,
    /// Over the calls answered with HTTP 200.
    pub latency: Latency,
    #[serde(skip)]
    histogram: Histogram,
}

impl DayUsage {
    fn new(day: String) -> DayUsage {
        DayUsage {
            day,
            calls: 0,
            pages: 0,
            table_pages: 0,
            document_transactions: 0,
            template_transactions: 0,
            validations: 0,
            successes: 0,
            failures: 0,
            outcomes: BTreeMap::new(),
            operations: BTreeMap::new(),
            latency: Histogram::default().summary(),
            histogram: Histogram::default(),
        }
    }

    fn add(&mut self, op: &str, outcome: &str, c: Counts) {
        self.calls += c.calls;
        self.pages += c.pages;
        self.table_pages += c.table_pages;
        self.validations += c.validations;
        if op.starts_with("document/") {
            self.document_transactions += c.calls;
        } else if op == "infer" {
            self.template_transactions += c.calls;
        }
        let failed = outcome != SUCCESS;
        if failed {
            self.failures += c.calls;
        } else {
            self.successes += c.calls;
        }
        *self.outcomes.entry(outcome.to_string()).or_default() += c.calls;
        let o = self.operations.entry(op.to_string()).or_default();
        o.calls += c.calls;
        o.pages += c.pages;
        o.table_pages += c.table_pages;
        if failed {
            o.failures += c.calls;
        }
    }

    fn merge(&mut self, other: &DayUsage) {
        self.calls += other.calls;
        self.pages += other.pages;
        self.table_pages += other.table_pages;
        self.document_transactions += other.document_transactions;
        self.template_transactions += other.template_transactions;
        self.validations += other.validations;
        self.successes += other.successes;
        self.failures += other.failures;
        for (k, v) in &other.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.operations {
            let o = self.operations.entry(k.clone()).or_default();
            o.calls += v.calls;
            o.pages += v.pages;
            o.table_pages += v.table_pages;
            o.failures += v.failures;
        }
        self.histogram.merge(&other.histogram);
        self.latency = self.histogram.summary();
    }
}

/// A domain's usage over a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UsageReport {
    pub domain_id: i64,
    pub from: String,
    pub to: String,
    /// Days with calls, in order.
    pub days: Vec<DayUsage>,
    /// The whole range (`day` = `total`).
    pub total: DayUsage,
}

/// The longest range one report covers (a year and a day: a leap year, inclusive).
pub const MAX_REPORT_DAYS: i64 = 366;

impl Store {
    /// Adds a batch of counted calls to the daily rows, the latency histograms and the monthly rows
    /// (`usage_monthly`, what `jikji domain usage` shows), in one transaction.
    pub async fn record_usage_batch(&self, batch: &UsageBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut monthly: BTreeMap<(i64, String, String), (Counts, i64)> = BTreeMap::new();
        let mut tx = self.pool.begin().await?;
        for ((domain, day, op, outcome), c) in &batch.outcomes {
            check_operation(op)?;
            // `SELECT … WHERE EXISTS`: the calls of a domain deleted since they were counted are
            // dropped, instead of failing the foreign key and losing the whole batch.
            sqlx::query(
                "INSERT INTO usage_daily (domain_id, day, operation, outcome, calls, pages, table_pages, validations) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) \
                 ON CONFLICT (domain_id, day, operation, outcome) DO UPDATE SET \
                 calls = usage_daily.calls + excluded.calls, \
                 pages = usage_daily.pages + excluded.pages, \
                 table_pages = usage_daily.table_pages + excluded.table_pages, \
                 validations = usage_daily.validations + excluded.validations",
            )
            .bind(domain)
            .bind(day)
            .bind(op)
            .bind(outcome)
            .bind(c.calls)
            .bind(c.pages)
            .bind(c.table_pages)
            .bind(c.validations)
            .execute(&mut *tx)
            .await?;
            let m = monthly
                .entry((*domain, day[..7].to_string(), op.clone()))
                .or_default();
            m.0.add(*c);
            if outcome != SUCCESS {
                m.1 += c.calls;
            }
        }
        for ((domain, day, op), h) in &batch.latency {
            check_operation(op)?;
            for (&bucket, &n) in &h.counts {
                sqlx::query(
                    "INSERT INTO usage_latency (domain_id, day, operation, bucket, calls) \
                     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) \
                     ON CONFLICT (domain_id, day, operation, bucket) DO UPDATE SET \
                     calls = usage_latency.calls + excluded.calls",
                )
                .bind(domain)
                .bind(day)
                .bind(op)
                .bind(bucket as i64)
                .bind(n)
                .execute(&mut *tx)
                .await?;
            }
        }
        for ((domain, month, op), (c, failures)) in monthly {
            crate::add_monthly_usage(
                &mut *tx,
                domain,
                &month,
                &crate::UsageDelta {
                    operation: op,
                    calls: c.calls,
                    pages: c.pages,
                    tables: c.table_pages,
                    failures,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The usage of `domain_id` per day from `from` to `to` (inclusive, `YYYY-MM-DD`, UTC), and
    /// the range's total with its merged latency histogram.
    pub async fn usage_daily(
        &self,
        domain_id: i64,
        from: &str,
        to: &str,
    ) -> Result<UsageReport, StoreError> {
        for d in [from, to] {
            if !jikji_calendar::is_day(d) {
                return Err(StoreError::Invalid(format!("day {d:?} is not YYYY-MM-DD")));
            }
        }
        if from > to {
            return Err(StoreError::Invalid(format!(
                "the range starts ({from}) after it ends ({to})"
            )));
        }
        let span = jikji_calendar::days_between(from, to);
        if span >= MAX_REPORT_DAYS {
            return Err(StoreError::Invalid(format!(
                "the range covers {} days; at most {MAX_REPORT_DAYS} per report",
                span + 1
            )));
        }
        let rows = sqlx::query(
            "SELECT day, operation, outcome, calls, pages, table_pages, validations FROM usage_daily \
             WHERE domain_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, operation, outcome",
        )
        .bind(domain_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut days: BTreeMap<String, DayUsage> = BTreeMap::new();
        for r in &rows {
            let day: String = r.try_get("day")?;
            let op: String = r.try_get("operation")?;
            let outcome: String = r.try_get("outcome")?;
            let c = Counts {
                calls: r.try_get("calls")?,
                pages: r.try_get("pages")?,
                table_pages: r.try_get("table_pages")?,
                validations: r.try_get("validations")?,
            };
            days.entry(day.clone())
                .or_insert_with(|| DayUsage::new(day))
                .add(&op, &outcome, c);
        }
        let rows = sqlx::query(
            "SELECT day, bucket, CAST(SUM(calls) AS BIGINT) AS calls FROM usage_latency \
             WHERE domain_id = $1 AND day >= $2 AND day <= $3 GROUP BY day, bucket",
        )
        .bind(domain_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let day: String = r.try_get("day")?;
            let bucket: i64 = r.try_get("bucket")?;
            let calls: i64 = r.try_get("calls")?;
            let bucket = usize::try_from(bucket)
                .ok()
                .filter(|b| *b < LATENCY_BUCKETS)
                .ok_or_else(|| StoreError::Corrupt(format!("latency bucket {bucket}")))?;
            days.entry(day.clone())
                .or_insert_with(|| DayUsage::new(day))
                .histogram
                .add(bucket, calls);
        }
        let mut total = DayUsage::new("total".into());
        let days: Vec<DayUsage> = days
            .into_values()
            .map(|mut d| {
                d.latency = d.histogram.summary();
                total.merge(&d);
                d
            })
            .collect();
        Ok(UsageReport {
            domain_id,
            from: from.to_string(),
            to: to.to_string(),
            days,
            total,
        })
    }
}

fn check_operation(op: &str) -> Result<(), StoreError> {
    if op.is_empty() {
        Err(StoreError::Invalid("usage operation is empty".into()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_log_spaced_and_percentiles_exact_to_a_bucket() {
        assert_eq!(latency_bucket(0.3), 0);
        assert_eq!(latency_bucket(1.0), 1);
        assert_eq!(latency_bucket(f64::NAN), 0);
        assert_eq!(latency_bucket(1e12), LATENCY_BUCKETS - 1);
        for ms in [1.0, 3.7, 42.0, 180.0, 999.0, 12_345.0, 60_000.0] {
            let b = latency_bucket(ms);
            let upper = bucket_upper_ms(b);
            assert!(ms < upper && upper <= ms * 2f64.powf(0.25) + 1e-9, "{ms} → {b} ({upper})");
        }
        let mut h = Histogram::default();
        // 100 calls at 10..=1000 ms in steps of 10
        for i in 1..=100 {
            h.add(latency_bucket(i as f64 * 10.0), 1);
        }
        let s = h.summary();
        assert_eq!(s.count, 100);
        for (p, truth) in [(s.p50_ms, 500.0), (s.p90_ms, 900.0), (s.p99_ms, 990.0)] {
            let p = p.unwrap();
            assert!(p > truth && p <= truth * 1.19 + 1e-9, "{p} vs {truth}");
        }
        // merging two halves gives the whole
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        for i in 1..=100 {
            let t = if i % 2 == 0 { &mut a } else { &mut b };
            t.add(latency_bucket(i as f64 * 10.0), 1);
        }
        a.merge(&b);
        assert_eq!(a, h);
        assert_eq!(Histogram::default().percentile(0.5), None);
    }

    #[test]
    fn batch_groups_by_day_operation_outcome() {
        let mut b = UsageBatch::default();
        let rec = |outcome: &str, ms: i64| CallRecord {
            domain_id: 1,
            at_ms: ms,
            operation: "/general".into(),
            outcome: outcome.into(),
            pages: 2,
            table_pages: 1,
            validations: 0,
            latency_ms: Some(12.0),
        };
        b.add(&rec(SUCCESS, 0));
        b.add(&rec(SUCCESS, 1000));
        b.add(&rec("0011", 86_400_000));
        assert_eq!(b.calls(), 3);
        assert_eq!(b.outcomes.len(), 2);
        let c = b.outcomes[&(1, "1970-01-01".into(), "general".into(), SUCCESS.into())];
        assert_eq!((c.calls, c.pages, c.table_pages), (2, 4, 2));
        assert_eq!(b.latency.len(), 2);
    }
}
