//! Persistence for Jikji: domains (invoke keys, hashed secrets, settings) and monthly
//! usage counters, on SQLite (default) or PostgreSQL.
//!
//! One [`Store`] wraps an `sqlx` pool. The URL picks the backend:
//! `sqlite:///abs/path/jikji.db`, `sqlite:relative.db?mode=rwc`, `sqlite::memory:`, or
//! `postgres://user@host:5432/db` (`postgresql://` too). Migrations run on [`Store::open`]
//! and are idempotent.
//!
//! Domain model (see the CLOVA spec §1, §14): a domain has a numeric id, a 64-hex-char
//! invoke key (part of the invoke URL `…/custom/v1/{id}/{invokeKey}/{operation}`), and a
//! secret presented in the `X-OCR-SECRET` header. The secret is shown once at creation
//! (or rotation) and stored only as a SHA-256 hash.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
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
        let _ = presented;
        unimplemented!()
    }

    /// Invoke URL base: `{public_url}/custom/v1/{id}/{invoke_key}` (no trailing slash).
    pub fn invoke_url(&self, public_url: &str) -> String {
        format!(
            "{}/custom/v1/{}/{}",
            public_url.trim_end_matches('/'),
            self.id,
            self.invoke_key
        )
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
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connect (creating the SQLite file and its directory if needed) and run migrations.
    pub async fn open(database_url: &str) -> Result<Store, StoreError> {
        let _ = database_url;
        unimplemented!()
    }

    /// `sqlite://{data_dir}/jikji.db?mode=rwc`.
    pub fn default_database_url(data_dir: &Path) -> String {
        let _ = data_dir;
        unimplemented!()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Cheap liveness check (`SELECT 1`), for health endpoints.
    pub async fn ping(&self) -> Result<(), StoreError> {
        unimplemented!()
    }

    /// Close the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await
    }

    pub async fn create_domain(&self, new: NewDomain) -> Result<CreatedDomain, StoreError> {
        let _ = new;
        unimplemented!()
    }

    /// All domains, by id.
    pub async fn list_domains(&self) -> Result<Vec<Domain>, StoreError> {
        unimplemented!()
    }

    pub async fn get_domain(&self, id: i64) -> Result<Option<Domain>, StoreError> {
        let _ = id;
        unimplemented!()
    }

    /// The domain with this id whose invoke key equals `invoke_key` (constant-time compare).
    pub async fn find_by_invoke(&self, domain_id: i64, invoke_key: &str) -> Result<Option<Domain>, StoreError> {
        let _ = (domain_id, invoke_key);
        unimplemented!()
    }

    /// Apply `patch`; `None` if there is no such domain.
    pub async fn update_domain(&self, id: i64, patch: DomainPatch) -> Result<Option<Domain>, StoreError> {
        let _ = (id, patch);
        unimplemented!()
    }

    /// New secret for the domain (the old one stops working); `None` if no such domain.
    pub async fn rotate_secret(&self, id: i64) -> Result<Option<String>, StoreError> {
        let _ = id;
        unimplemented!()
    }

    /// Delete the domain and its usage; `false` if it did not exist.
    pub async fn delete_domain(&self, id: i64) -> Result<bool, StoreError> {
        let _ = id;
        unimplemented!()
    }

    /// Atomically count one call against the monthly quota: `true` (and counted) if the
    /// month's count was below `limit` (or `limit` is `None`), `false` if exhausted.
    pub async fn consume_quota(&self, domain_id: i64, month: &str, limit: Option<i64>) -> Result<bool, StoreError> {
        let _ = (domain_id, month, limit);
        unimplemented!()
    }

    /// Calls counted against the quota in `month` (what [`Store::consume_quota`] compares).
    pub async fn quota_used(&self, domain_id: i64, month: &str) -> Result<i64, StoreError> {
        let _ = (domain_id, month);
        unimplemented!()
    }

    /// Add `u` to the (domain, month, operation) counters.
    pub async fn record_usage(&self, domain_id: i64, month: &str, u: UsageDelta) -> Result<(), StoreError> {
        let _ = (domain_id, month, u);
        unimplemented!()
    }

    /// Usage rows for a domain, one month or all, ordered by month then operation.
    pub async fn usage(&self, domain_id: i64, month: Option<&str>) -> Result<Vec<UsageRow>, StoreError> {
        let _ = (domain_id, month);
        unimplemented!()
    }
}

/// Current month in UTC as `YYYY-MM` (the key for quotas and usage).
pub fn current_month() -> String {
    unimplemented!()
}

/// Month (`YYYY-MM`, UTC) of a Unix-milliseconds timestamp.
pub fn month_of_millis(ms: i64) -> String {
    let _ = ms;
    unimplemented!()
}
