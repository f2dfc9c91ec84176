//! Template OCR templates (tables `templates`, `template_versions`, `template_events`; migration
//! 0002). The store keeps the template's JSON as text (the `jikji-template` crate owns its shape) and
//! the sample image's SHA-256 (the server keeps the bytes in its data directory).
//!
//! Versions: creating a template makes version 1; every update adds the next version. Versions are
//! drafts until released: [`Store::release_template`] makes one version the one `/infer` serves,
//! [`Store::rollback_template`] goes back to the version that served before the current one was
//! released. Both are recorded in `template_events` ([`Store::template_history`]).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{DomainKind, Store, StoreError};

/// What a version holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub name: String,
    /// The regions as JSON (`jikji_template::TemplateDef`).
    pub definition: String,
    /// The built template as JSON (`jikji_template::Template`).
    pub built: String,
    /// The sample's OCR result as JSON.
    pub sample_page: String,
    /// Hex SHA-256 of the sample image bytes.
    pub sample_sha256: String,
}

/// A template and where its versions stand.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateInfo {
    pub id: i64,
    pub domain_id: i64,
    pub name: String,
    /// The newest version (a draft when above `released_version`).
    pub latest_version: i64,
    /// The version `/infer` serves; `None` when never released.
    pub released_version: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One stored version.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    pub template_id: i64,
    pub version: i64,
    pub definition: String,
    pub built: String,
    pub sample_page: String,
    pub sample_sha256: String,
    pub created_at: i64,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateEvent {
    /// `create`, `update`, `release`, `rollback`.
    pub action: String,
    /// The version created, or now serving.
    pub version: Option<i64>,
    /// The version serving before (release, rollback).
    pub previous: Option<i64>,
    /// Unix ms.
    pub at: i64,
}

/// A released template as `/infer` needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedTemplate {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub built: String,
}

const INFO_COLUMNS: &str = "t.id, t.domain_id, t.name, t.released_version, t.created_at, t.updated_at, \
     (SELECT MAX(v.version) FROM template_versions v WHERE v.template_id = t.id) AS latest_version";

fn info_from_row(r: &AnyRow) -> Result<TemplateInfo, StoreError> {
    Ok(TemplateInfo {
        id: r.try_get("id")?,
        domain_id: r.try_get("domain_id")?,
        name: r.try_get("name")?,
        latest_version: r.try_get::<Option<i64>, _>("latest_version")?.unwrap_or(0),
        released_version: r.try_get("released_version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn check_template(t: &NewTemplate) -> Result<(), StoreError> {
    let n = t.name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(StoreError::Invalid(
            "template name must be 1..=100 characters".into(),
        ));
    }
    if t.sample_sha256.len() != 64 || !t.sample_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid("sample_sha256 must be 64 hex digits".into()));
    }
    Ok(())
}

impl Store {
    async fn check_template_domain(&self, domain_id: i64) -> Result<(), StoreError> {
        match self.get_domain(domain_id).await? {
            Some(d) if d.kind == DomainKind::Template => Ok(()),
            Some(_) => Err(StoreError::Invalid(format!(
                "domain {domain_id} is not a template domain"
            ))),
            None => Err(StoreError::Invalid(format!("no domain {domain_id}"))),
        }
    }

    /// Creates a template (version 1, a draft) in a template domain.
    pub async fn create_template(
        &self,
        domain_id: i64,
        new: NewTemplate,
    ) -> Result<TemplateInfo, StoreError> {
        check_template(&new)?;
        self.check_template_domain(domain_id).await?;
        let now = jikji_calendar::now_millis();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO templates (domain_id, name, released_version, created_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $4) RETURNING id",
        )
        .bind(domain_id)
        .bind(new.name.trim())
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        insert_version(&mut tx, id, 1, &new, now).await?;
        insert_event(&mut tx, id, "create", Some(1), None, now).await?;
        tx.commit().await?;
        self.get_template(domain_id, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("template {id} vanished")))
    }

    /// The domain's templates, by id.
    pub async fn list_templates(&self, domain_id: i64) -> Result<Vec<TemplateInfo>, StoreError> {
        let sql = format!("SELECT {INFO_COLUMNS} FROM templates t WHERE t.domain_id = $1 ORDER BY t.id");
        let rows = sqlx::query(&sql).bind(domain_id).fetch_all(&self.pool).await?;
        rows.iter().map(info_from_row).collect()
    }

    pub async fn get_template(
        &self,
        domain_id: i64,
        id: i64,
    ) -> Result<Option<TemplateInfo>, StoreError> {
        let sql = format!("SELECT {INFO_COLUMNS} FROM templates t WHERE t.domain_id = $1 AND t.id = $2");
        let row = sqlx::query(&sql)
            .bind(domain_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(info_from_row).transpose()
    }

    /// One version of a template.
    pub async fn template_version(
        &self,
        id: i64,
        version: i64,
    ) -> Result<Option<TemplateVersion>, StoreError> {
        let row = sqlx::query(
            "SELECT template_id, version, definition, built, sample_page, sample_sha256, created_at \
             FROM template_versions WHERE template_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TemplateVersion {
                template_id: r.try_get("template_id")?,
                version: r.try_get("version")?,
                definition: r.try_get("definition")?,
                built: r.try_get("built")?,
                sample_page: r.try_get("sample_page")?,
                sample_sha256: r.try_get("sample_sha256")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Adds a new (draft) version; the released version keeps serving. `None`: no such template.
    pub async fn update_template(
        &self,
        domain_id: i64,
        id: i64,
        new: NewTemplate,
    ) -> Result<Option<TemplateInfo>, StoreError> {
        check_template(&new)?;
        let Some(info) = self.get_template(domain_id, id).await? else {
            return Ok(None);
        };
        let now = jikji_calendar::now_millis();
        let version = info.latest_version + 1;
        let mut tx = self.pool.begin().await?;
        insert_version(&mut tx, id, version, &new, now).await?;
        sqlx::query("UPDATE templates SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(new.name.trim())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, id, "update", Some(version), None, now).await?;
        tx.commit().await?;
        self.get_template(domain_id, id).await
    }

    /// Releases `version` (default: the newest). `None`: no such template.
    pub async fn release_template(
        &self,
        domain_id: i64,
        id: i64,
        version: Option<i64>,
    ) -> Result<Option<TemplateInfo>, StoreError> {
        let Some(info) = self.get_template(domain_id, id).await? else {
            return Ok(None);
        };
        let version = version.unwrap_or(info.latest_version);
        if self.template_version(id, version).await?.is_none() {
            return Err(StoreError::Invalid(format!(
                "template {id} has no version {version}"
            )));
        }
        self.set_released(id, Some(version), info.released_version, "release")
            .await?;
        self.get_template(domain_id, id).await
    }

    /// Serves again the version that served before the current one was released (walking back the
    /// release history one step per call). `None`: no such template; `Invalid` when there is nothing
    /// to go back to.
    pub async fn rollback_template(
        &self,
        domain_id: i64,
        id: i64,
    ) -> Result<Option<TemplateInfo>, StoreError> {
        let Some(info) = self.get_template(domain_id, id).await? else {
            return Ok(None);
        };
        let Some(current) = info.released_version else {
            return Err(StoreError::Invalid(format!("template {id} is not released")));
        };
        let row = sqlx::query(
            "SELECT previous FROM template_events WHERE template_id = $1 AND action = 'release' \
             AND version = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .bind(current)
        .fetch_optional(&self.pool)
        .await?;
        let previous: Option<i64> = match row {
            Some(r) => r.try_get("previous")?,
            None => None,
        };
        if previous.is_none() {
            return Err(StoreError::Invalid(format!(
                "template {id}: no earlier release to roll back to"
            )));
        }
        self.set_released(id, previous, Some(current), "rollback")
            .await?;
        self.get_template(domain_id, id).await
    }

    async fn set_released(
        &self,
        id: i64,
        version: Option<i64>,
        previous: Option<i64>,
        action: &str,
    ) -> Result<(), StoreError> {
        let now = jikji_calendar::now_millis();
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE templates SET released_version = $1, updated_at = $2 WHERE id = $3")
            .bind(version)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, id, action, version, previous, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The recorded changes of a template, oldest first.
    pub async fn template_history(&self, id: i64) -> Result<Vec<TemplateEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT action, version, previous, at FROM template_events WHERE template_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TemplateEvent {
                    action: r.try_get("action")?,
                    version: r.try_get("version")?,
                    previous: r.try_get("previous")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Deletes a template with its versions and history.
    pub async fn delete_template(&self, domain_id: i64, id: i64) -> Result<bool, StoreError> {
        // Checked before the transaction: a SQLite transaction that reads and then writes fails with
        // SQLITE_BUSY when another connection wrote in between (usage counters after a call).
        let owned = sqlx::query("SELECT id FROM templates WHERE id = $1 AND domain_id = $2")
            .bind(id)
            .bind(domain_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if !owned {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        delete_template_rows(&mut tx, false, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The released templates of a domain (what `/infer` matches against), by id.
    pub async fn released_templates(
        &self,
        domain_id: i64,
    ) -> Result<Vec<ReleasedTemplate>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, v.version, v.built FROM templates t \
             JOIN template_versions v ON v.template_id = t.id AND v.version = t.released_version \
             WHERE t.domain_id = $1 ORDER BY t.id",
        )
        .bind(domain_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReleasedTemplate {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    version: r.try_get("version")?,
                    built: r.try_get("built")?,
                })
            })
            .collect()
    }

    /// SHA-256s of every stored sample image (any version of any template), for the server's
    /// clean-up of its data directory.
    pub async fn template_sample_hashes(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT sample_sha256 FROM template_versions")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("sample_sha256")?))
            .collect()
    }
}

/// Deletes template rows: events, versions, templates, of one template (`template_id = $1`) or of
/// a domain's (`template_id IN (SELECT id FROM templates WHERE domain_id = $1)`). Explicit as well as
/// ON DELETE CASCADE, so this does not depend on SQLite's foreign_keys pragma.
pub(crate) async fn delete_template_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    of_domain: bool,
    id: i64,
) -> Result<(), StoreError> {
    let which = if of_domain {
        "template_id IN (SELECT id FROM templates WHERE domain_id = $1)"
    } else {
        "template_id = $1"
    };
    for table in ["template_events", "template_versions"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE {which}"))
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    let own = if of_domain { "domain_id = $1" } else { "id = $1" };
    sqlx::query(&format!("DELETE FROM templates WHERE {own}"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    version: i64,
    t: &NewTemplate,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO template_versions (template_id, version, definition, built, sample_page, \
         sample_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(version)
    .bind(&t.definition)
    .bind(&t.built)
    .bind(&t.sample_page)
    .bind(t.sample_sha256.to_ascii_lowercase())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    action: &str,
    version: Option<i64>,
    previous: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO template_events (template_id, action, version, previous, at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(action)
    .bind(version)
    .bind(previous)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
