-- Jikji schema v1 (SQLite). Keep in step with ../postgres/0001_domains_usage.sql:
-- same tables, columns and constraints; only the id column's syntax differs.
-- Later features (templates, batch jobs) get their own numbered migrations.

-- AUTOINCREMENT: ids are never reused, so a deleted domain's invoke URL never
-- points at a newer domain.
CREATE TABLE IF NOT EXISTS domains (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('general', 'template', 'document')),
    document_kinds     TEXT    NOT NULL DEFAULT '',   -- comma-separated wire names
    invoke_key         TEXT    NOT NULL UNIQUE,       -- 64 lowercase hex chars
    secret_sha256      TEXT    NOT NULL,              -- hex SHA-256 of the secret
    lang               TEXT    NOT NULL,
    table_detection    BIGINT  NOT NULL DEFAULT 0,    -- 0/1
    rate_limit_per_sec REAL,
    rate_burst         BIGINT,
    monthly_quota      BIGINT,
    created_at         BIGINT  NOT NULL,              -- unix ms
    updated_at         BIGINT  NOT NULL
);

-- Per (domain, month, operation) counters, for statistics (spec §14).
CREATE TABLE IF NOT EXISTS usage_monthly (
    domain_id BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    month     TEXT   NOT NULL,                        -- 'YYYY-MM' (UTC)
    operation TEXT   NOT NULL,                        -- 'general', 'infer', 'document/receipt', ...
    calls     BIGINT NOT NULL DEFAULT 0,
    pages     BIGINT NOT NULL DEFAULT 0,
    tables    BIGINT NOT NULL DEFAULT 0,              -- automatic table extractions
    failures  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, month, operation)
);

-- Calls counted against the monthly quota (all operations together).
CREATE TABLE IF NOT EXISTS quota_monthly (
    domain_id BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    month     TEXT   NOT NULL,
    calls     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, month)
);
