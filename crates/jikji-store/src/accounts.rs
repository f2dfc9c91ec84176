//! Console accounts (migration 0003): users with Argon2id password hashes and a role, their login
//! sessions, role-carrying API tokens for the admin API, and the audit log.
//!
//! - Passwords are chosen by people, so they get a slow, salted hash (Argon2id, the `argon2`
//!   crate's defaults: 19 MiB, 2 passes, 1 lane — OWASP's recommended minimum), computed on a
//!   blocking thread. Session cookies and API tokens are generated here with 256 bits of entropy,
//!   so a fast SHA-256 is enough for them (as for domain secrets): only the hash is stored.
//! - A user or token may be restricted to some domains (`domains: Some(ids)`); `None` = all.
//! - The audit log records who did what to which object and when; callers never pass secrets,
//!   passwords or request bodies into it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::fmt;
use std::str::FromStr;

use crate::{Store, StoreError};

/// Shortest password accepted (NIST SP 800-63B's minimum for user-chosen secrets).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password accepted, in characters (at most 256 bytes of UTF-8): bounds the hashing
/// work one login can ask for, and is long enough for any passphrase.
pub const PASSWORD_MAX_CHARS: usize = 64;
/// Longest user or token name.
pub const NAME_MAX_CHARS: usize = 64;
/// Most audit entries one listing returns.
pub const AUDIT_PAGE_MAX: i64 = 500;

/// What an account may do. `admin`: everything; `operator`: templates, try-it, usage, reading
/// domains — never secrets or users; `viewer`: read-only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Role, StoreError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown role {s:?} (expected admin, operator or viewer)"
                ))
            })
    }
}

/// A console user (never with its password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Domain ids the user may see; `None` = all.
    pub domains: Option<Vec<i64>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user to create. No `Debug`: it holds the password.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub domains: Option<Vec<i64>>,
}

/// Changes to a user: `None` leaves a field alone. No `Debug`: it may hold a password.
#[derive(Clone, Default)]
pub struct UserPatch {
    pub role: Option<Role>,
    /// `Some(None)`: all domains.
    pub domains: Option<Option<Vec<i64>>>,
    pub password: Option<String>,
}

/// A live login session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    /// Sent back by the console in a header with every state-changing request.
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A session just opened: the cookie value (only its hash is stored) and the session.
pub struct NewSession {
    pub cookie: String,
    pub session: Session,
}

/// An admin API token (never with its hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub domains: Option<Vec<i64>>,
    pub created_at: i64,
}

/// A token just created, with its value (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix ms.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// The HTTP status of the change (0 when it did not come over HTTP).
    pub status: i64,
}

/// Argon2id hash (PHC string) of `password` with a fresh salt. Slow on purpose (tens of ms).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("password hash: {e}")))
}

/// Does `password` match the PHC string `hash`? (constant time inside `argon2`)
pub fn verify_password(hash: &str, password: &str) -> bool {
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// The password rules: [`PASSWORD_MIN_CHARS`] to [`PASSWORD_MAX_CHARS`] characters.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(StoreError::Invalid(format!(
            "the password must have at least {PASSWORD_MIN_CHARS} characters"
        )));
    }
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return Err(StoreError::Invalid(format!(
            "the password must have at most {PASSWORD_MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// User and token names: 1–64 of `A-Z a-z 0-9 . _ @ -`.
pub fn check_account_name(name: &str) -> Result<&str, StoreError> {
    let ok = !name.is_empty()
        && name.chars().count() <= NAME_MAX_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(StoreError::Invalid(format!(
            "names are 1-{NAME_MAX_CHARS} characters of A-Z, a-z, 0-9, '.', '_', '@', '-'"
        )))
    }
}

fn random_token(prefix: &str) -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn domains_to_db(d: &Option<Vec<i64>>) -> Option<String> {
    d.as_ref().map(|ids| {
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    })
}

fn domains_from_db(s: Option<String>) -> Result<Option<Vec<i64>>, StoreError> {
    s.map(|s| {
        s.split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse()
                    .map_err(|_| StoreError::Corrupt(format!("domain list {s:?}")))
            })
            .collect()
    })
    .transpose()
}

fn role_from_db(s: &str) -> Result<Role, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("role {s:?}")))
}

const USER_COLUMNS: &str = "id, username, role, domains, created_at, updated_at";

fn user_from_row(r: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        role: role_from_db(&r.try_get::<String, _>("role")?)?,
        domains: domains_from_db(r.try_get("domains")?)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: role_from_db(&r.try_get::<String, _>("role")?)?,
        domains: domains_from_db(r.try_get("domains")?)?,
        created_at: r.try_get("created_at")?,
    })
}

/// Runs a password hash or check off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))
}

impl Store {
    /// Whether any user or API token exists (the admin API is then on even without an admin token).
    pub async fn has_accounts(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM api_tokens) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Creates a user (the name must be free).
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let username = check_account_name(&new.username)?.to_string();
        let password = new.password;
        let hash = blocking(move || hash_password(&password)).await??;
        if self.get_user_by_name(&username).await?.is_some() {
            return Err(StoreError::Invalid(format!("user {username:?} exists")));
        }
        let now = jikji_calendar::now_millis();
        let sql = format!(
            "INSERT INTO users (username, password_hash, role, domains, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&username)
            .bind(hash)
            .bind(new.role.as_str())
            .bind(domains_to_db(&new.domains))
            .bind(now)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        user_from_row(&row)
    }

    /// All users, by id.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn get_user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn get_user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row = sqlx::query(&sql)
            .bind(username.trim())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Admin users left (the last one cannot be removed or demoted).
    pub async fn count_admins(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Applies `patch`; `None` if there is no such user. A new password ends the user's sessions.
    pub async fn update_user(&self, id: i64, patch: UserPatch) -> Result<Option<User>, StoreError> {
        let Some(_) = self.get_user(id).await? else {
            return Ok(None);
        };
        let now = jikji_calendar::now_millis();
        if let Some(role) = patch.role {
            sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        if let Some(domains) = patch.domains {
            sqlx::query("UPDATE users SET domains = $1, updated_at = $2 WHERE id = $3")
                .bind(domains_to_db(&domains))
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        if let Some(password) = patch.password {
            let hash = blocking(move || hash_password(&password)).await??;
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
            self.delete_user_sessions(id).await?;
        }
        self.get_user(id).await
    }

    /// Deletes a user (and its sessions); `false` if there was none.
    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_user_sessions(id).await?;
        let r = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The user with this name and password, or `None`. An unknown name costs the same hashing
    /// work as a wrong password, so timing does not tell which names exist.
    pub async fn check_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        // A valid hash of a random password, made once: checked against for unknown names.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_optional(&self.pool)
            .await?;
        let found: Option<(i64, String)> = match row {
            Some(r) => Some((r.try_get("id")?, r.try_get("password_hash")?)),
            None => None,
        };
        let password = password.to_string();
        let (id, hash) = match found {
            Some((id, h)) => (Some(id), h),
            None => (
                None,
                DUMMY
                    .get_or_init(|| hash_password(&random_token("")).unwrap_or_default())
                    .clone(),
            ),
        };
        let ok = blocking(move || verify_password(&hash, &password)).await?;
        match (ok, id) {
            (true, Some(id)) => self.get_user(id).await,
            _ => Ok(None),
        }
    }

    /// Opens a session for `user_id` valid for `ttl_ms`.
    pub async fn create_session(
        &self,
        user_id: i64,
        ttl_ms: i64,
    ) -> Result<NewSession, StoreError> {
        let user = self
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no user {user_id}")))?;
        let cookie = random_token("");
        let csrf_token = random_token("");
        let now = jikji_calendar::now_millis();
        let expires_at = now.saturating_add(ttl_ms);
        // Expired sessions are swept whenever a new one opens: the table stays small.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sha256_hex(&cookie))
        .bind(user_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(NewSession {
            cookie,
            session: Session {
                user,
                csrf_token,
                expires_at,
            },
        })
    }

    /// The live session of this cookie value, or `None` (unknown or expired).
    pub async fn session(&self, cookie: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_sha256 = $1",
        )
        .bind(sha256_hex(cookie))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let expires_at: i64 = r.try_get("expires_at")?;
        if expires_at <= jikji_calendar::now_millis() {
            return Ok(None);
        }
        let user_id: i64 = r.try_get("user_id")?;
        let csrf_token: String = r.try_get("csrf_token")?;
        Ok(self.get_user(user_id).await?.map(|user| Session {
            user,
            csrf_token,
            expires_at,
        }))
    }

    /// Ends the session of this cookie value (logout).
    pub async fn delete_session(&self, cookie: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
            .bind(sha256_hex(cookie))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token; its value (`jkt_…`) is returned once.
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        domains: Option<Vec<i64>>,
    ) -> Result<CreatedToken, StoreError> {
        let name = check_account_name(name)?;
        let secret = random_token("jkt_");
        let now = jikji_calendar::now_millis();
        let row = sqlx::query(
            "INSERT INTO api_tokens (name, token_sha256, role, domains, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id, name, role, domains, created_at",
        )
        .bind(name)
        .bind(sha256_hex(&secret))
        .bind(role.as_str())
        .bind(domains_to_db(&domains))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(CreatedToken {
            token: token_from_row(&row)?,
            secret,
        })
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, role, domains, created_at FROM api_tokens ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn delete_token(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The token with this value, or `None` (looked up by its SHA-256: constant work per value).
    pub async fn find_token(&self, secret: &str) -> Result<Option<ApiToken>, StoreError> {
        if !secret.starts_with("jkt_") {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, name, role, domains, created_at FROM api_tokens WHERE token_sha256 = $1",
        )
        .bind(sha256_hex(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Writes an audit entry. Callers pass names and paths, never secrets or bodies.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        status: u16,
    ) -> Result<(), StoreError> {
        // Bounded: a path is at most a few hundred bytes; cut anything longer.
        let cut = |s: &str| s.chars().take(300).collect::<String>();
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, status) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(jikji_calendar::now_millis())
        .bind(cut(actor))
        .bind(cut(action))
        .bind(cut(target))
        .bind(i64::from(status))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Newest audit entries first: at most `limit` (capped at [`AUDIT_PAGE_MAX`]) with an id
    /// below `before` (paging).
    pub async fn audit_log(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, status FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, AUDIT_PAGE_MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    status: r.try_get("status")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsE"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert_ne!(h, hash_password("correct horse").unwrap(), "salted");
        assert!(hash_password("short").is_err());
        assert!(hash_password(&"x".repeat(PASSWORD_MAX_CHARS + 1)).is_err());
        assert!(hash_password(&"가".repeat(PASSWORD_MAX_CHARS)).is_ok());
    }

    #[test]
    fn names_roles_and_domain_lists() {
        for ok in ["admin", "a.b-c_d@example.org", "x"] {
            assert!(check_account_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "관리자", "a/b", &"x".repeat(65)] {
            assert!(check_account_name(bad).is_err(), "{bad}");
        }
        assert_eq!("operator".parse::<Role>().unwrap(), Role::Operator);
        assert!("root".parse::<Role>().is_err());
        assert_eq!(domains_to_db(&Some(vec![3, 1, 3])).as_deref(), Some("1,3"));
        assert_eq!(
            domains_from_db(Some("1,3".into())).unwrap(),
            Some(vec![1, 3])
        );
        assert_eq!(domains_from_db(Some(String::new())).unwrap(), Some(vec![]));
        assert_eq!(domains_from_db(None).unwrap(), None);
        assert!(domains_from_db(Some("1,x".into())).is_err());
    }
}
