-- Usage statistics per day, quota-warning webhooks and the shared rate limit (SQLite).
-- Keep in step with ../postgres/0006_usage_daily.sql: same tables, columns and constraints; only the
-- id column's syntax differs.

-- Calls per (domain, UTC day, operation, outcome). `outcome` is `success`, a CLOVA error code
-- (`0011`, `0023`, …) or the result of an image that failed inside a 200 answer (`FAILURE`,
-- `ERROR`). Rows only ever grow by additive upserts, so replicas flushing their counters at the
-- same time never lose each other's counts.
CREATE TABLE IF NOT EXISTS usage_daily (
    domain_id   BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    day         TEXT   NOT NULL,                  -- 'YYYY-MM-DD' (UTC)
    operation   TEXT   NOT NULL,                  -- 'general', 'infer', 'document/receipt', ...
    outcome     TEXT   NOT NULL,
    calls       BIGINT NOT NULL DEFAULT 0,
    pages       BIGINT NOT NULL DEFAULT 0,
    table_pages BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, day, operation, outcome)
);

-- Latency histogram per (domain, day, operation): one row per non-empty log-spaced bucket
-- (jikji_store::latency_bucket). Summing rows merges histograms exactly, across replicas and days.
CREATE TABLE IF NOT EXISTS usage_latency (
    domain_id BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    day       TEXT   NOT NULL,
    operation TEXT   NOT NULL,
    bucket    BIGINT NOT NULL,
    calls     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, day, operation, bucket)
);

-- Webhook deliveries: the queue and the log. One row per (domain, event, month): the unique key
-- makes "once per month" hold across replicas. A replica claims a due row by setting
-- `lease_until`; a replica that dies mid-delivery leaves a lease that expires, and another retries.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id       BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    event           TEXT   NOT NULL,              -- 'quota.80', 'quota.100'
    month           TEXT   NOT NULL,              -- 'YYYY-MM'
    body            TEXT   NOT NULL,              -- the JSON sent (signed as is)
    status          TEXT   NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,              -- unix ms
    lease_until     BIGINT NOT NULL DEFAULT 0,    -- unix ms
    last_error      TEXT,
    last_http_status BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (domain_id, event, month)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- The per-domain token bucket shared by every replica on this database (PostgreSQL only; SQLite
-- deployments are one process and keep the bucket in memory). Same columns on SQLite for one schema.
CREATE TABLE IF NOT EXISTS rate_buckets (
    domain_id  BIGINT NOT NULL PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    tokens     REAL NOT NULL,
    updated_at REAL NOT NULL          -- unix ms, fractional (the database's clock)
);
