//! OCR Reader corrections (table `corrections`, migration 0004): a reviewer's corrected reading of
//! one word, with the word's rectified crop (PNG), kept to retrain the recogniser.
//!
//! The rows hold recognised and corrected text, which is personal data: nothing here logs them, and
//! they go with their domain (`ON DELETE CASCADE`). [`crate::training`] turns them into training
//! pairs.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Store, StoreError};

/// Longest corrected text, in characters: one word or line of a document (the recogniser was
/// trained on lines of at most 800 px at height 48, about 60 Hangul syllables).
pub const MAX_CORRECTED_CHARS: usize = 200;
/// Longest recognised text kept, in characters (what OCR read can be longer than a word).
pub const MAX_RECOGNIZED_CHARS: usize = 1000;
/// Largest crop kept, in bytes: a word crop is a few KiB; 2 MiB bounds a whole line of a large scan.
pub const MAX_CROP_BYTES: usize = 2 * 1024 * 1024;
/// Longest `created_by`, in characters.
pub const MAX_CREATED_BY_CHARS: usize = 100;
/// Most rows one listing returns.
pub const MAX_LIST: i64 = 1000;

/// What a correction records.
#[derive(Clone, PartialEq)]
pub struct NewCorrection {
    pub domain_id: i64,
    /// Hex SHA-256 of the image file reviewed.
    pub image_sha256: String,
    /// 0-based page of that file.
    pub page: i64,
    /// The word's quad (x1, y1, …, x4, y4: TL, TR, BR, BL) in the page's reported pixels.
    pub polygon: [f32; 8],
    /// What OCR read.
    pub recognized: String,
    /// What the reviewer says the word is.
    pub corrected: String,
    /// The word region rectified from the polygon, PNG.
    pub crop_png: Vec<u8>,
    /// Who made the correction (account or token name).
    pub created_by: String,
}

/// Text fields withheld: they are personal data and must not reach logs through `{:?}`.
impl std::fmt::Debug for NewCorrection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCorrection")
            .field("domain_id", &self.domain_id)
            .field("page", &self.page)
            .field("crop_bytes", &self.crop_png.len())
            .finish_non_exhaustive()
    }
}

/// A stored correction (without its crop: `GET …/corrections/{correctionId}/crop`); the admin
/// API's answer as it is.
#[derive(Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    pub id: i64,
    pub domain_id: i64,
    pub image_sha256: String,
    pub page: i64,
    /// x1, y1, …, x4, y4 (TL, TR, BR, BL).
    pub polygon: Vec<f32>,
    pub recognized: String,
    pub corrected: String,
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Text fields withheld, as for [`NewCorrection`].
impl std::fmt::Debug for Correction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Correction")
            .field("id", &self.id)
            .field("domain_id", &self.domain_id)
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str =
    "id, domain_id, image_sha256, page, polygon, recognized, corrected, created_by, created_at";

fn from_row(r: &AnyRow) -> Result<Correction, StoreError> {
    let polygon: String = r.try_get("polygon")?;
    Ok(Correction {
        id: r.try_get("id")?,
        domain_id: r.try_get("domain_id")?,
        image_sha256: r.try_get("image_sha256")?,
        page: r.try_get("page")?,
        polygon: serde_json::from_str(&polygon)
            .map_err(|_| StoreError::Corrupt("a correction's polygon is not a JSON list".into()))?,
        recognized: r.try_get("recognized")?,
        corrected: r.try_get("corrected")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn check(c: &NewCorrection) -> Result<(), StoreError> {
    let invalid = |m: &str| Err(StoreError::Invalid(m.into()));
    if c.image_sha256.len() != 64 || !c.image_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid("imageSha256 must be 64 hex digits");
    }
    if c.page < 0 {
        return invalid("page must be 0 or more");
    }
    if c.polygon.iter().any(|v| !v.is_finite()) {
        return invalid("polygon coordinates must be numbers");
    }
    let n = c.corrected.chars().count();
    if c.corrected.trim().is_empty() || n > MAX_CORRECTED_CHARS {
        return invalid(&format!("corrected text must be 1..={MAX_CORRECTED_CHARS} characters, not blank"));
    }
    if c.corrected.chars().any(char::is_control) {
        return invalid("corrected text must not hold control characters (tabs, line breaks)");
    }
    if c.recognized.chars().count() > MAX_RECOGNIZED_CHARS {
        return invalid(&format!("recognized text must be at most {MAX_RECOGNIZED_CHARS} characters"));
    }
    if c.crop_png.is_empty() || c.crop_png.len() > MAX_CROP_BYTES {
        return invalid(&format!("the crop must be 1..={MAX_CROP_BYTES} bytes"));
    }
    let who = c.created_by.chars().count();
    if who == 0 || who > MAX_CREATED_BY_CHARS {
        return invalid(&format!("createdBy must be 1..={MAX_CREATED_BY_CHARS} characters"));
    }
    Ok(())
}

impl Store {
    /// Stores a correction; the domain must exist.
    pub async fn add_correction(&self, new: NewCorrection) -> Result<Correction, StoreError> {
        check(&new)?;
        if self.get_domain(new.domain_id).await?.is_none() {
            return Err(StoreError::Invalid(format!("no domain {}", new.domain_id)));
        }
        let polygon = serde_json::to_string(&new.polygon.to_vec()).unwrap_or_default();
        let now = jikji_calendar::now_millis();
        let id: i64 = sqlx::query(
            "INSERT INTO corrections (domain_id, image_sha256, page, polygon, recognized, corrected, \
             crop_png, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.domain_id)
        .bind(new.image_sha256.to_ascii_lowercase())
        .bind(new.page)
        .bind(polygon)
        .bind(&new.recognized)
        .bind(&new.corrected)
        .bind(new.crop_png)
        .bind(&new.created_by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?
        .try_get("id")?;
        self.get_correction(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("correction {id} vanished")))
    }

    pub async fn get_correction(&self, id: i64) -> Result<Option<Correction>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM corrections WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Corrections by id, oldest first: of one domain or of all, with ids above `after`, at most
    /// `limit` (capped at [`MAX_LIST`]).
    pub async fn list_corrections(
        &self,
        domain_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Correction>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM corrections WHERE id > $1 AND ($2 < 0 OR domain_id = $2) ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(domain_id.unwrap_or(-1))
            .bind(limit.clamp(0, MAX_LIST))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Corrections with their crops, as [`Store::list_corrections`] pages them (for exports).
    pub async fn corrections_with_crops(
        &self,
        domain_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(Correction, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, crop_png FROM corrections WHERE id > $1 AND ($2 < 0 OR domain_id = $2) \
             ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(domain_id.unwrap_or(-1))
            .bind(limit.clamp(0, MAX_LIST))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((from_row(r)?, r.try_get("crop_png")?)))
            .collect()
    }

    /// The crop (PNG) of a correction.
    pub async fn correction_crop(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT crop_png FROM corrections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("crop_png")).transpose()?)
    }

    /// Deletes a correction; false when there was none.
    pub async fn delete_correction(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM corrections WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NewCorrection {
        NewCorrection {
            domain_id: 1,
            image_sha256: "ab".repeat(32),
            page: 0,
            polygon: [0.0, 0.0, 10.0, 0.0, 10.0, 5.0, 0.0, 5.0],
            recognized: "홍길등".into(),
            corrected: "홍길동".into(),
            crop_png: vec![1, 2, 3],
            created_by: "admin".into(),
        }
    }

    #[test]
    fn checks_refuse_what_would_break_an_export_or_the_bounds() {
        assert!(check(&sample()).is_ok());
        let bad: [fn(&mut NewCorrection); 8] = [
            |c| c.image_sha256 = "xyz".into(),
            |c| c.page = -1,
            |c| c.polygon[3] = f32::NAN,
            |c| c.corrected = "  ".into(),
            |c| c.corrected = "a\tb".into(),
            |c| c.corrected = "가".repeat(MAX_CORRECTED_CHARS + 1),
            |c| c.crop_png = Vec::new(),
            |c| c.created_by = String::new(),
        ];
        for (i, f) in bad.iter().enumerate() {
            let mut c = sample();
            f(&mut c);
            assert!(matches!(check(&c), Err(StoreError::Invalid(_))), "case {i}");
        }
    }

    #[test]
    fn debug_output_withholds_the_text() {
        let s = format!("{:?}", sample());
        assert!(!s.contains("홍길") && !s.contains("admin"), "{s}");
    }
}
