-- Batch jobs (SQLite). Keep in step with ../postgres/0005_batch_jobs.sql.
-- A job reads every input of a source (local folder, list of files, S3 prefix) through one domain's
-- operation and writes one result per input to a sink; `batch_items` is the work queue, one row per
-- input. Workers of any number of `jikji serve` processes claim items with a lease
-- (SQLite: one writer at a time makes the claiming UPDATE atomic); a lease that runs out (its
-- worker died) makes the item claimable again.

CREATE TABLE IF NOT EXISTS batch_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id       BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    operation       TEXT   NOT NULL,                -- general | infer | document/<type>
    source          TEXT   NOT NULL,                -- JSON (jikji_batch::Source), never credentials
    sink            TEXT   NOT NULL,                -- JSON (jikji_batch::Sink), never credentials
    options         TEXT   NOT NULL,                -- JSON (jikji_batch::JobOptions)
    state           TEXT   NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'cancelled', 'done', 'failed')),
    error           TEXT,                           -- why the job failed or was paused
    total           BIGINT NOT NULL,                -- number of items
    finishing_until BIGINT,                         -- unix ms: lease of the worker writing the summary
    created_at      BIGINT NOT NULL,                -- unix ms
    updated_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT
);
CREATE INDEX IF NOT EXISTS batch_jobs_state ON batch_jobs (state);

CREATE TABLE IF NOT EXISTS batch_items (
    job_id        BIGINT NOT NULL REFERENCES batch_jobs (id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,                  -- 0, 1, ... in listing order
    input         TEXT   NOT NULL,                  -- path relative to the source root, or object key
    state         TEXT   NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'failed')),
    worker        TEXT,                             -- lease holder (process and worker id)
    leased_until  BIGINT,                           -- unix ms
    attempts      BIGINT NOT NULL DEFAULT 0,        -- claims so far
    status        TEXT,                             -- SUCCESS | FAILURE | ERROR (inferResult) or error
    pages         BIGINT,
    millis        BIGINT,
    error_code    TEXT,
    error_message TEXT,
    finished_at   BIGINT,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX IF NOT EXISTS batch_items_claim ON batch_items (state, job_id, seq);
