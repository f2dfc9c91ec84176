-- Template external validations per (domain, UTC day, operation, outcome): the calls a Template OCR
-- request made to its templates' validators (CLOVA's statistics count them for Template domains).
-- Same statement on both backends.
ALTER TABLE usage_daily ADD COLUMN validations BIGINT NOT NULL DEFAULT 0;
