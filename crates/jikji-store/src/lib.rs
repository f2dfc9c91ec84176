//! Persistence for Jikji: domains (invoke keys, hashed secrets, settings), monthly
//! usage counters, Template OCR templates (versions, releases; see `templates.rs`) and console
//! accounts (users, sessions, API tokens, the audit log; see `accounts.rs`), OCR Reader
//! corrections (`corrections.rs`) and batch jobs with their work queue (`batch.rs`), on SQLite
//! (default) or PostgreSQL.
//!
//! One [`Store`] wraps an `sqlx` pool. The URL picks the backend:
//! `sqlite:///abs/path/jikji.db`, `sqlite:relative.db?mode=rwc`, `sqlite::memory:`, or
//! `postgres://user@host:5432/db` (`postgresql://` too). Migrations run on [`Store::open`]
//! and are idempotent.
//!
//! Domain model (see the CLOVA spec §1, §14): a domain has a numeric id, a 64-hex-char
//! invoke key (part of the invoke URL `…/custom/v1/{id}/{invokeKey}/{operation}`, built by
//! `jikji_clova::invoke`), and a
//! secret presented in the `X-OCR-SECRET` header. The secret is shown once at creation
//! (or rotation) and stored only as a SHA-256 hash, compared in constant time. A fast
//! unsalted hash is adequate (no password hash needed) because secrets are generated
//! here with ~182 bits of entropy, never chosen by people.
//!
//! Counters: [`Store::consume_quota`] keeps the per-month call count that the monthly
//! quota is checked against (table `quota_monthly`); [`Store::record_usage`] keeps
//! statistics per month and operation (table `usage_monthly`). They are independent.
//! Daily statistics with outcomes and latency histograms are in `usage.rs`, the quota-warning
//! webhook queue in `webhooks.rs`, the rate limit shared by replicas in `ratelimit.rs`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::Row;
use subtle::ConstantTimeEq;

mod accounts;
mod batch;
mod database_url;
mod ratelimit;
mod templates;
pub mod corrections;
mod usage;
mod webhooks;

pub use accounts::{
    check_account_name, check_password, hash_password, verify_password, ApiToken, AuditEntry,
    CreatedToken, NewSession, NewUser, Role, Session, User, UserPatch, AUDIT_PAGE_MAX,
    PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};

pub use corrections::{Correction, NewCorrection};
pub use batch::{
    Claimed, ItemCounts, ItemOutcome, ItemRow, Job, JobState, NewJob, MAX_INPUT_BYTES, MAX_JOB_ITEMS,
    RATE_WINDOW_MS,
};
pub use templates::{NewTemplate, ReleasedTemplate, TemplateEvent, TemplateInfo, TemplateVersion};

pub use database_url::{mask_database_url, MASK};
pub use usage::{
    bucket_upper_ms, latency_bucket, CallRecord, DayUsage, Histogram, Latency, OperationUsage,
    UsageBatch, UsageReport, LATENCY_BUCKETS, MAX_REPORT_DAYS, SUCCESS,
};
pub use webhooks::{AttemptOutcome, Delivery, DeliveryStatus, NewDelivery};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database driver failed (connection, SQL, constraint…).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed to apply.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL is not one we support.
    #[error("unsupported database URL {0:?} (expected sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// Creating the SQLite file's directory failed.
    #[error("cannot create database directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An argument was rejected (empty name, bad month, document kinds on a non-document domain…).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A row in the database could not be interpreted (unknown kind, bad hash…).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A specialised Document OCR model (spec §1.2, §7–§11). Wire names are the URL suffixes
/// after `/document/`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
pub enum DocKind {
    #[serde(rename = "receipt")]
    Receipt,
    #[serde(rename = "name-card")]
    NameCard,
    #[serde(rename = "biz-license")]
    BizLicense,
    #[serde(rename = "credit-card")]
    CreditCard,
    #[serde(rename = "id-card")]
    IdCard,
    #[serde(rename = "passport")]
    Passport,
}

impl DocKind {
    /// Every document model, in a stable order.
    pub const ALL: [DocKind; 6] = [
        DocKind::Receipt,
        DocKind::NameCard,
        DocKind::BizLicense,
        DocKind::CreditCard,
        DocKind::IdCard,
        DocKind::Passport,
    ];

    /// Wire name: `receipt`, `name-card`, `biz-license`, `credit-card`, `id-card`, `passport`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Receipt => "receipt",
            DocKind::NameCard => "name-card",
            DocKind::BizLicense => "biz-license",
            DocKind::CreditCard => "credit-card",
            DocKind::IdCard => "id-card",
            DocKind::Passport => "passport",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown document kind {s:?} (expected one of: {})",
                    DocKind::ALL.map(|k| k.as_str()).join(", ")
                ))
            })
    }
}

/// Service type of a domain (spec §14). Serialises as `"general"`, `"template"` or
/// `"document"`; a [`Domain`] serialises the enabled document kinds separately as
/// `document_kinds`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DomainKind {
    #[default]
    General,
    Template,
    /// Document OCR with the enabled models (never empty in a stored domain).
    Document(Vec<DocKind>),
}

impl DomainKind {
    /// `general`, `template` or `document`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DomainKind::General => "general",
            DomainKind::Template => "template",
            DomainKind::Document(_) => "document",
        }
    }

    /// Enabled document models (empty unless `Document`).
    pub fn doc_kinds(&self) -> &[DocKind] {
        match self {
            DomainKind::Document(k) => k,
            _ => &[],
        }
    }
}

impl fmt::Display for DomainKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DomainKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A configured domain. Serialises without the secret hash.
#[derive(Clone, PartialEq)]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub kind: DomainKind,
    /// 64 lowercase hex chars; the second path segment of the invoke URL.
    pub invoke_key: String,
    /// Recognition language(s), e.g. `ko` or `ko,ja` (spec §13).
    pub lang: String,
    /// General domains: whether `enableTableDetection: true` is allowed (else error 0028).
    pub table_detection: bool,
    /// Sustained requests per second (token bucket rate); `None` = unlimited.
    pub rate_limit_per_sec: Option<f64>,
    /// Token bucket size; `None` = let the server pick (e.g. ceil(rate)).
    pub rate_burst: Option<u32>,
    /// Calls per calendar month (UTC); `None` = unlimited. Exhausted → error 0023.
    pub monthly_quota: Option<i64>,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// Last change (settings or secret), Unix milliseconds.
    pub updated_at: i64,
    /// Lowercase hex SHA-256 of the secret.
    secret_sha256: String,
}

impl Domain {
    /// Does `presented` (the `X-OCR-SECRET` header value) match this domain's secret?
    /// Compares SHA-256 digests in constant time.
    pub fn verify_secret(&self, presented: &str) -> bool {
        let mut stored = [0u8; 32];
        if hex::decode_to_slice(&self.secret_sha256, &mut stored).is_err() {
            return false;
        }
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(stored.ct_eq(&presented))
    }

    /// Operation path suffixes this domain serves: `/general`, `/infer`, or
    /// `/document/<kind>` for each enabled kind.
    pub fn operation_paths(&self) -> Vec<String> {
        match &self.kind {
            DomainKind::General => vec!["/general".to_string()],
            DomainKind::Template => vec!["/infer".to_string()],
            DomainKind::Document(kinds) => kinds
                .iter()
                .map(|k| format!("/document/{}", k.as_str()))
                .collect(),
        }
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Domain")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("invoke_key", &self.invoke_key)
            .field("lang", &self.lang)
            .field("table_detection", &self.table_detection)
            .field("rate_limit_per_sec", &self.rate_limit_per_sec)
            .field("rate_burst", &self.rate_burst)
            .field("monthly_quota", &self.monthly_quota)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

impl Serialize for Domain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            id: i64,
            name: &'a str,
            kind: &'a DomainKind,
            document_kinds: &'a [DocKind],
            invoke_key: &'a str,
            lang: &'a str,
            table_detection: bool,
            rate_limit_per_sec: Option<f64>,
            rate_burst: Option<u32>,
            monthly_quota: Option<i64>,
            created_at: i64,
            updated_at: i64,
        }
        View {
            id: self.id,
            name: &self.name,
            kind: &self.kind,
            document_kinds: self.kind.doc_kinds(),
            invoke_key: &self.invoke_key,
            lang: &self.lang,
            table_detection: self.table_detection,
            rate_limit_per_sec: self.rate_limit_per_sec,
            rate_burst: self.rate_burst,
            monthly_quota: self.monthly_quota,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
        .serialize(s)
    }
}

/// Settings for a new domain. `NewDomain::new(name, kind)` fills the defaults
/// (lang `ko`, no table detection, no limits).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDomain {
    pub name: String,
    pub kind: DomainKind,
    pub lang: String,
    pub table_detection: bool,
    pub rate_limit_per_sec: Option<f64>,
    pub rate_burst: Option<u32>,
    pub monthly_quota: Option<i64>,
}

impl NewDomain {
    pub fn new(name: impl Into<String>, kind: DomainKind) -> Self {
        NewDomain {
            name: name.into(),
            kind,
            lang: "ko".to_string(),
            table_detection: false,
            rate_limit_per_sec: None,
            rate_burst: None,
            monthly_quota: None,
        }
    }
}

/// A freshly created domain plus its plaintext secret (shown once, never stored).
#[derive(Debug, Clone, Serialize)]
pub struct CreatedDomain {
    pub domain: Domain,
    pub secret: String,
}

/// Partial update. `None` leaves a field alone; for the nullable limits,
/// `Some(None)` clears the limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainPatch {
    pub name: Option<String>,
    pub lang: Option<String>,
    pub table_detection: Option<bool>,
    pub rate_limit_per_sec: Option<Option<f64>>,
    pub rate_burst: Option<Option<u32>>,
    pub monthly_quota: Option<Option<i64>>,
    /// Only for document domains (else [`StoreError::Invalid`]); must be non-empty.
    pub document_kinds: Option<Vec<DocKind>>,
}

/// Counters to add to one (domain, month, operation) usage row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageDelta {
    /// Operation path without the leading slash: `general`, `infer`, `document/receipt`…
    pub operation: String,
    pub calls: i64,
    pub pages: i64,
    /// Automatic table extractions (counted once per page with tables, spec §14).
    pub tables: i64,
    pub failures: i64,
}

impl UsageDelta {
    /// One call of `operation`, no pages yet.
    pub fn call(operation: impl Into<String>) -> Self {
        UsageDelta {
            operation: operation.into(),
            calls: 1,
            ..Default::default()
        }
    }
}

/// One usage row: totals for a domain, month and operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    pub month: String,
    pub operation: String,
    pub calls: i64,
    pub pages: i64,
    pub tables: i64,
    pub failures: i64,
}

/// Handle to the database; cheap to clone (shares the pool).
#[derive(Clone)]
pub struct Store {
    pool: sqlx::AnyPool,
    backend: Backend,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Statements that bind a nullable float (`rate_limit_per_sec`) are not kept prepared.
///
/// Why: sqlx 0.8.6's `Any` driver declares a NULL `f64` to PostgreSQL as `float4` (and a
/// NULL `f32` as `float8`: `AnyValueKind::Null(Double) => Option::<f32>::None`). A prepared
/// statement keeps the parameter types of its first execution, so after one call with no
/// rate limit, the next call on that connection with a rate sends 8 bytes for a `float4`
/// parameter and PostgreSQL answers 22P03 "incorrect binary data format". Preparing such a
/// statement afresh each time declares the types of that call's values. Seen in CI as a
/// flaky `create domain` failure; `nullable_float_rebinds_on_one_connection` pins it.
const NULLABLE_FLOAT_STATEMENTS_PERSISTENT: bool = false;

const DOMAIN_COLUMNS: &str = "id, name, kind, document_kinds, invoke_key, secret_sha256, lang, \
     table_detection, rate_limit_per_sec, rate_burst, monthly_quota, created_at, updated_at";

impl Store {
    /// Connect (creating the SQLite file and its directory if needed) and run migrations.
    ///
    /// Accepted URLs: `sqlite:///abs/path.db`, `sqlite:rel/path.db`, `sqlite:path?mode=rwc`,
    /// `sqlite::memory:` (one connection, gone on close), `postgres://…` / `postgresql://…`
    /// (any libpq-style parameters sqlx understands, e.g. `options[search_path]=s`).
    /// A SQLite URL without `mode=` gets `mode=rwc` (create if missing); file databases
    /// are switched to WAL journaling.
    pub async fn open(database_url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let url = database_url.trim();
        let (backend, url, in_memory) =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                (Backend::Postgres, url.to_string(), false)
            } else if url.starts_with("sqlite:") {
                let (url, in_memory) = database_url::prepare_sqlite_url(url)?;
                (Backend::Sqlite, url, in_memory)
            } else {
                return Err(StoreError::UnsupportedUrl(database_url::mask_database_url(url)));
            };
        let mut options = AnyPoolOptions::new();
        if in_memory {
            // Every connection to `sqlite::memory:` would be a separate database.
            options = options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => {
                if !in_memory {
                    // Readers do not block the writer; persistent in the database file.
                    // Best effort: switching needs a moment of exclusive access, and a
                    // database in another journal mode still works.
                    let _ = sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&pool)
                        .await;
                }
                MIGRATE_SQLITE.run(&pool).await?;
            }
            Backend::Postgres => MIGRATE_POSTGRES.run(&pool).await?,
        }
        Ok(Store { pool, backend })
    }

    /// SQLite file `jikji.db` in `data_dir`, as a URL for [`Store::open`]
    /// (`sqlite:{data_dir}/jikji.db?mode=rwc`).
    pub fn default_database_url(data_dir: &Path) -> String {
        database_url::sqlite_file_url(&data_dir.join("jikji.db"))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Cheap liveness check (`SELECT 1`), for health endpoints.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Close the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// Create a domain with a fresh invoke key and secret. The returned secret is the
    /// only copy; the database keeps its SHA-256.
    pub async fn create_domain(&self, new: NewDomain) -> Result<CreatedDomain, StoreError> {
        let NewDomain {
            name,
            kind,
            lang,
            table_detection,
            rate_limit_per_sec,
            rate_burst,
            monthly_quota,
        } = new;
        let name = check_name(&name)?;
        let lang = check_lang(&lang)?;
        let kind = check_kind(kind)?;
        check_rate(rate_limit_per_sec)?;
        check_burst(rate_burst)?;
        check_quota(monthly_quota)?;
        let invoke_key = random_invoke_key();
        let secret = random_secret();
        let now = jikji_calendar::now_millis();
        let sql = format!(
            "INSERT INTO domains (name, kind, document_kinds, invoke_key, secret_sha256, lang, \
             table_detection, rate_limit_per_sec, rate_burst, monthly_quota, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {DOMAIN_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .persistent(NULLABLE_FLOAT_STATEMENTS_PERSISTENT)
            .bind(name)
            .bind(kind.as_str())
            .bind(doc_kinds_to_db(kind.doc_kinds()))
            .bind(invoke_key)
            .bind(secret_hash(&secret))
            .bind(lang)
            .bind(table_detection as i64)
            .bind(rate_limit_per_sec)
            .bind(rate_burst.map(i64::from))
            .bind(monthly_quota)
            .bind(now)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(CreatedDomain {
            domain: domain_from_row(&row)?,
            secret,
        })
    }

    /// All domains, by id.
    pub async fn list_domains(&self) -> Result<Vec<Domain>, StoreError> {
        let sql = format!("SELECT {DOMAIN_COLUMNS} FROM domains ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(domain_from_row).collect()
    }

    pub async fn get_domain(&self, id: i64) -> Result<Option<Domain>, StoreError> {
        let sql = format!("SELECT {DOMAIN_COLUMNS} FROM domains WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(domain_from_row).transpose()
    }

    /// The domain with this id whose invoke key equals `invoke_key` (constant-time compare).
    pub async fn find_by_invoke(
        &self,
        domain_id: i64,
        invoke_key: &str,
    ) -> Result<Option<Domain>, StoreError> {
        Ok(self.get_domain(domain_id).await?.filter(|d| {
            d.invoke_key.len() == invoke_key.len()
                && bool::from(d.invoke_key.as_bytes().ct_eq(invoke_key.as_bytes()))
        }))
    }

    /// Apply `patch`; `None` if there is no such domain. Only the patched columns are
    /// written, so concurrent patches of different fields do not undo each other.
    pub async fn update_domain(
        &self,
        id: i64,
        patch: DomainPatch,
    ) -> Result<Option<Domain>, StoreError> {
        let Some(current) = self.get_domain(id).await? else {
            return Ok(None);
        };
        let mut sets: Vec<(&'static str, Val)> = Vec::new();
        if let Some(name) = patch.name {
            sets.push(("name", Val::Text(check_name(&name)?)));
        }
        if let Some(lang) = patch.lang {
            sets.push(("lang", Val::Text(check_lang(&lang)?)));
        }
        if let Some(on) = patch.table_detection {
            sets.push(("table_detection", Val::Int(on as i64)));
        }
        if let Some(rate) = patch.rate_limit_per_sec {
            check_rate(rate)?;
            sets.push(("rate_limit_per_sec", Val::Float(rate)));
        }
        if let Some(burst) = patch.rate_burst {
            check_burst(burst)?;
            sets.push(("rate_burst", Val::OptInt(burst.map(i64::from))));
        }
        if let Some(quota) = patch.monthly_quota {
            check_quota(quota)?;
            sets.push(("monthly_quota", Val::OptInt(quota)));
        }
        let mut kind_guard = false;
        if let Some(kinds) = patch.document_kinds {
            if !matches!(current.kind, DomainKind::Document(_)) {
                return Err(StoreError::Invalid(format!(
                    "domain {id} is a {} domain; document kinds apply only to document domains",
                    current.kind
                )));
            }
            let kind = check_kind(DomainKind::Document(kinds))?;
            sets.push((
                "document_kinds",
                Val::Text(doc_kinds_to_db(kind.doc_kinds())),
            ));
            kind_guard = true;
        }
        sets.push(("updated_at", Val::Int(jikji_calendar::now_millis())));
        let assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE domains SET {} WHERE id = ${}{} RETURNING {DOMAIN_COLUMNS}",
            assignments.join(", "),
            sets.len() + 1,
            if kind_guard {
                " AND kind = 'document'"
            } else {
                ""
            },
        );
        let mut query = sqlx::query(&sql).persistent(NULLABLE_FLOAT_STATEMENTS_PERSISTENT);
        for (_, value) in sets {
            query = match value {
                Val::Int(v) => query.bind(v),
                Val::OptInt(v) => query.bind(v),
                Val::Float(v) => query.bind(v),
                Val::Text(v) => query.bind(v),
            };
        }
        let row = query.bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(domain_from_row).transpose()
    }

    /// New secret for the domain (the old one stops working at once); `None` if there is
    /// no such domain.
    pub async fn rotate_secret(&self, id: i64) -> Result<Option<String>, StoreError> {
        let secret = random_secret();
        let done =
            sqlx::query("UPDATE domains SET secret_sha256 = $1, updated_at = $2 WHERE id = $3")
                .bind(secret_hash(&secret))
                .bind(jikji_calendar::now_millis())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok((done.rows_affected() > 0).then_some(secret))
    }

    /// Delete the domain and its usage and quota counters; `false` if it did not exist.
    pub async fn delete_domain(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Explicit deletes as well as ON DELETE CASCADE, so this does not depend on
        // SQLite's foreign_keys pragma.
        templates::delete_template_rows(&mut tx, true, id).await?;
        batch::delete_domain_jobs(&mut tx, id).await?;
        sqlx::query("DELETE FROM usage_monthly WHERE domain_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for table in [
            "usage_monthly",
            "usage_daily",
            "usage_latency",
            "webhook_deliveries",
            "rate_buckets",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE domain_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM quota_monthly WHERE domain_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM domains WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Atomically count one call against the monthly quota: `true` (and counted) if the
    /// month's count was below `limit` (or `limit` is `None`), `false` (nothing counted)
    /// if exhausted. See [`Store::consume_quota_counted`].
    pub async fn consume_quota(
        &self,
        domain_id: i64,
        month: &str,
        limit: Option<i64>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .consume_quota_counted(domain_id, month, limit)
            .await?
            .is_some())
    }

    /// [`Store::consume_quota`] that returns the month's count including this call (`None`:
    /// exhausted, nothing counted). A single `INSERT … ON CONFLICT DO UPDATE … WHERE calls < limit
    /// RETURNING calls`, so concurrent callers — any number of replicas on one PostgreSQL database
    /// — never push the count past the limit, and every count is returned to exactly one caller
    /// (which is how the quota warnings are raised once).
    pub async fn consume_quota_counted(
        &self,
        domain_id: i64,
        month: &str,
        limit: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        check_month(month)?;
        if limit.is_some_and(|l| l <= 0) {
            return Ok(None);
        }
        let row = sqlx::query(
            "INSERT INTO quota_monthly (domain_id, month, calls) VALUES ($1, $2, 1) \
             ON CONFLICT (domain_id, month) DO UPDATE SET calls = quota_monthly.calls + 1 \
             WHERE $3 < 0 OR quota_monthly.calls < $3 RETURNING calls",
        )
        .bind(domain_id)
        .bind(month)
        .bind(limit.unwrap_or(-1))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<i64, _>("calls"))
            .transpose()
            .map_err(StoreError::from)
    }

    /// Calls counted against the quota in `month` (what [`Store::consume_quota`] compares).
    pub async fn quota_used(&self, domain_id: i64, month: &str) -> Result<i64, StoreError> {
        check_month(month)?;
        let row =
            sqlx::query("SELECT calls FROM quota_monthly WHERE domain_id = $1 AND month = $2")
                .bind(domain_id)
                .bind(month)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64, _>("calls")?,
            None => 0,
        })
    }

    /// Add `u` to the (domain, month, operation) counters (one atomic upsert).
    pub async fn record_usage(
        &self,
        domain_id: i64,
        month: &str,
        u: UsageDelta,
    ) -> Result<(), StoreError> {
        check_month(month)?;
        let operation = u.operation.trim().trim_start_matches('/');
        if operation.is_empty() {
            return Err(StoreError::Invalid("usage operation is empty".into()));
        }
        if u.calls < 0 || u.pages < 0 || u.tables < 0 || u.failures < 0 {
            return Err(StoreError::Invalid(
                "usage counters must not be negative".into(),
            ));
        }
        let mut conn = self.pool.acquire().await?;
        add_monthly_usage(
            &mut conn,
            domain_id,
            month,
            &UsageDelta {
                operation: operation.to_string(),
                ..u
            },
        )
        .await
    }

    /// Usage rows for a domain, one month or all, ordered by month then operation.
    pub async fn usage(
        &self,
        domain_id: i64,
        month: Option<&str>,
    ) -> Result<Vec<UsageRow>, StoreError> {
        const COLS: &str =
            "SELECT month, operation, calls, pages, tables, failures FROM usage_monthly";
        let rows = match month {
            Some(month) => {
                check_month(month)?;
                let sql =
                    format!("{COLS} WHERE domain_id = $1 AND month = $2 ORDER BY month, operation");
                sqlx::query(&sql)
                    .bind(domain_id)
                    .bind(month)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!("{COLS} WHERE domain_id = $1 ORDER BY month, operation");
                sqlx::query(&sql)
                    .bind(domain_id)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(UsageRow {
                    month: r.try_get("month")?,
                    operation: r.try_get("operation")?,
                    calls: r.try_get("calls")?,
                    pages: r.try_get("pages")?,
                    tables: r.try_get("tables")?,
                    failures: r.try_get("failures")?,
                })
            })
            .collect()
    }
}

/// The monthly usage upsert (of [`Store::record_usage`] and the daily batches): adds `u` to the
/// (domain, month, operation) row. A domain deleted meanwhile gets nothing (no foreign-key error).
pub(crate) async fn add_monthly_usage(
    conn: &mut sqlx::AnyConnection,
    domain_id: i64,
    month: &str,
    u: &UsageDelta,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO usage_monthly (domain_id, month, operation, calls, pages, tables, failures) \
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) \
         ON CONFLICT (domain_id, month, operation) DO UPDATE SET \
         calls = usage_monthly.calls + excluded.calls, \
         pages = usage_monthly.pages + excluded.pages, \
         tables = usage_monthly.tables + excluded.tables, \
         failures = usage_monthly.failures + excluded.failures",
    )
    .bind(domain_id)
    .bind(month)
    .bind(&u.operation)
    .bind(u.calls)
    .bind(u.pages)
    .bind(u.tables)
    .bind(u.failures)
    .execute(conn)
    .await?;
    Ok(())
}

/// A bind value for the dynamic UPDATE.
enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Float(Option<f64>),
    Text(String),
}

fn domain_from_row(r: &AnyRow) -> Result<Domain, StoreError> {
    let id: i64 = r.try_get("id")?;
    let kind: String = r.try_get("kind")?;
    let doc_kinds: String = r.try_get("document_kinds")?;
    let kind = match kind.as_str() {
        "general" => DomainKind::General,
        "template" => DomainKind::Template,
        "document" => DomainKind::Document(
            doc_kinds
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse().map_err(|_| {
                        StoreError::Corrupt(format!("domain {id}: document kind {s:?}"))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(StoreError::Corrupt(format!("domain {id}: kind {other:?}"))),
    };
    let rate_burst: Option<i64> = r.try_get("rate_burst")?;
    let rate_burst = rate_burst
        .map(u32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt(format!("domain {id}: rate_burst out of range")))?;
    Ok(Domain {
        id,
        name: r.try_get("name")?,
        kind,
        invoke_key: r.try_get("invoke_key")?,
        lang: r.try_get("lang")?,
        table_detection: r.try_get::<i64, _>("table_detection")? != 0,
        rate_limit_per_sec: r.try_get("rate_limit_per_sec")?,
        rate_burst,
        monthly_quota: r.try_get("monthly_quota")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        secret_sha256: r.try_get("secret_sha256")?,
    })
}

fn doc_kinds_to_db(kinds: &[DocKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn check_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("domain name is empty".into()));
    }
    if name.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "domain name is longer than 200 characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// `ko`, `ja`, `zh-TW`, `en`, or several separated by commas (spec §13).
fn check_lang(lang: &str) -> Result<String, StoreError> {
    let lang: String = lang.chars().filter(|c| !c.is_whitespace()).collect();
    let ok = !lang.is_empty()
        && lang.split(',').all(|part| {
            !part.is_empty()
                && part.len() <= 16
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(lang)
    } else {
        Err(StoreError::Invalid(format!(
            "language {lang:?} is not a comma-separated list of language codes (ko, ja, zh-TW, en)"
        )))
    }
}

/// Document kinds sorted, deduplicated and non-empty.
fn check_kind(kind: DomainKind) -> Result<DomainKind, StoreError> {
    match kind {
        DomainKind::Document(mut kinds) => {
            kinds.sort();
            kinds.dedup();
            if kinds.is_empty() {
                return Err(StoreError::Invalid(
                    "a document domain needs at least one document kind".into(),
                ));
            }
            Ok(DomainKind::Document(kinds))
        }
        other => Ok(other),
    }
}

fn check_rate(rate: Option<f64>) -> Result<(), StoreError> {
    match rate {
        Some(r) if !(r.is_finite() && r > 0.0) => Err(StoreError::Invalid(format!(
            "rate limit must be a positive number of requests per second, not {r}"
        ))),
        _ => Ok(()),
    }
}

fn check_burst(burst: Option<u32>) -> Result<(), StoreError> {
    match burst {
        Some(0) => Err(StoreError::Invalid("rate burst must be at least 1".into())),
        _ => Ok(()),
    }
}

fn check_quota(quota: Option<i64>) -> Result<(), StoreError> {
    match quota {
        Some(q) if q < 0 => Err(StoreError::Invalid(format!(
            "monthly quota must not be negative, not {q}"
        ))),
        _ => Ok(()),
    }
}

/// `YYYY-MM` with a month 01–12.
fn check_month(month: &str) -> Result<(), StoreError> {
    if jikji_calendar::is_month(month) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "month {month:?} is not YYYY-MM"
        )))
    }
}

/// 32 random bytes as 64 lowercase hex chars.
fn random_invoke_key() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A CLOVA-looking secret: base64 of 32 random ASCII letters (44 chars, ends with `=`).
/// 32 letters from a 52-letter alphabet carry about 182 bits of entropy.
fn random_secret() -> String {
    use base64::Engine as _;
    const LETTERS: &[u8; 52] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let letters: Vec<u8> = (0..32)
        .map(|_| LETTERS[OsRng.gen_range(0..LETTERS.len())])
        .collect();
    base64::engine::general_purpose::STANDARD.encode(letters)
}

/// Hex SHA-256 of a secret. A fast, unsalted hash is adequate here (a slow password
/// hash is not needed): secrets are generated by us with ~182 bits of entropy, so
/// brute-forcing or precomputing the preimage of a leaked hash is infeasible.
fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn months_are_checked() {
        assert!(check_month("2026-11").is_ok());
        assert!(check_month("2026-13").is_err());
        assert!(check_month("26-11").is_err());
        assert!(check_month(&jikji_calendar::current_month()).is_ok());
    }

    #[test]
    fn secrets_and_keys_look_like_clova() {
        let key = random_invoke_key();
        assert_eq!(key.len(), 64);
        assert!(key
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        let secret = random_secret();
        assert_eq!(secret.len(), 44);
        assert!(secret.ends_with('='));
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&secret)
            .unwrap();
        assert_eq!(raw.len(), 32);
        assert!(raw.iter().all(u8::is_ascii_alphabetic));
        assert_ne!(secret, random_secret());
    }

    #[test]
    fn doc_kinds_parse() {
        for k in DocKind::ALL {
            assert_eq!(k.as_str().parse::<DocKind>().unwrap(), k);
        }
        assert!("medical".parse::<DocKind>().is_err());
        assert_eq!(
            check_kind(DomainKind::Document(vec![
                DocKind::IdCard,
                DocKind::Receipt,
                DocKind::IdCard
            ]))
            .unwrap(),
            DomainKind::Document(vec![DocKind::Receipt, DocKind::IdCard])
        );
        assert!(check_kind(DomainKind::Document(vec![])).is_err());
    }
}
