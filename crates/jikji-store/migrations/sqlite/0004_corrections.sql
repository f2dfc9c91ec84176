-- OCR Reader corrections (SQLite). Keep in step with ../postgres/0004_corrections.sql.
-- One row per corrected word: where it came from (domain, image digest, page, polygon), what OCR read,
-- what a reviewer says it is, the word's rectified crop (PNG) for retraining, who and when.
-- Recognised and corrected text are personal data: deleted with their domain, never logged.

CREATE TABLE IF NOT EXISTS corrections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id     BIGINT  NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    image_sha256  TEXT    NOT NULL,                 -- hex SHA-256 of the image file reviewed
    page          BIGINT  NOT NULL,                 -- 0-based page of that file
    polygon       TEXT    NOT NULL,                 -- the word's quad, JSON [x1,y1,...,x4,y4] in the page's reported pixels
    recognized    TEXT    NOT NULL,                 -- what OCR read
    corrected     TEXT    NOT NULL,                 -- what the reviewer says it is
    crop_png      BLOB    NOT NULL,                 -- the word region rectified from the polygon
    created_by    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL                  -- unix ms
);
CREATE INDEX IF NOT EXISTS corrections_domain ON corrections (domain_id, id);
