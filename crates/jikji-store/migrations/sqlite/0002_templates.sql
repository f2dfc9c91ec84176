-- Template OCR (SQLite). Keep in step with ../postgres/0002_templates.sql.
-- A template belongs to a template domain; every edit adds a version (a draft until released);
-- `released_version` is the one `/infer` serves (NULL: none); releases and roll-backs are recorded.

CREATE TABLE IF NOT EXISTS templates (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id        BIGINT  NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    released_version BIGINT,
    created_at       BIGINT  NOT NULL,              -- unix ms
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS templates_domain ON templates (domain_id);

CREATE TABLE IF NOT EXISTS template_versions (
    template_id   BIGINT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,                  -- 1, 2, ...
    definition    TEXT   NOT NULL,                  -- the regions (JSON, jikji_template::TemplateDef)
    built         TEXT   NOT NULL,                  -- anchors etc. (JSON, jikji_template::Template)
    sample_page   TEXT   NOT NULL,                  -- the sample's OCR result (JSON)
    sample_sha256 TEXT   NOT NULL,                  -- the sample image, stored by hash in the data directory
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE IF NOT EXISTS template_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    template_id BIGINT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    action      TEXT   NOT NULL CHECK (action IN ('create', 'update', 'release', 'rollback')),
    version     BIGINT,                             -- the version created / now serving
    previous    BIGINT,                             -- the version serving before (release, rollback)
    at          BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS template_events_template ON template_events (template_id);
