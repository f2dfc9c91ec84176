-- Console accounts (SQLite). Keep in step with ../postgres/0003_accounts.sql.
-- Users (Argon2id password hashes), their login sessions, role-carrying API tokens for the admin
-- API, and the audit log of every change. `domains` restricts a user or token to some domain ids
-- (comma-separated; NULL = every domain).

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,                 -- PHC string, Argon2id
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    domains       TEXT,                             -- NULL: all domains
    created_at    BIGINT  NOT NULL,                 -- unix ms
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT   PRIMARY KEY,                -- hex SHA-256 of the cookie value
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);

CREATE TABLE IF NOT EXISTS api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    token_sha256 TEXT    NOT NULL UNIQUE,           -- hex SHA-256 of the token
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    domains      TEXT,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     BIGINT NOT NULL,                         -- unix ms
    actor  TEXT   NOT NULL,                         -- `user:NAME`, `token:NAME`, `admin-token`, `cli`
    action TEXT   NOT NULL,                         -- e.g. `POST /admin/v1/domains`, `login`
    target TEXT   NOT NULL,                         -- the request path or object; never a secret
    status BIGINT NOT NULL                          -- HTTP status of the change (0: not over HTTP)
);
