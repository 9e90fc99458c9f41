-- Corrections ("Report an error", issue 14); the PostgreSQL twin of
-- sqlite/0006_corrections.sql. ``corrects``: the reported entry's key (NULL: a suggested new
-- entry); ``curated``: that entry is a curated one (``python -m bot store reports``).
ALTER TABLE suggestions ADD COLUMN corrects text COLLATE "C";
ALTER TABLE suggestions ADD COLUMN curated boolean NOT NULL DEFAULT false;

CREATE INDEX suggestions_curated_reports ON suggestions (at) WHERE curated;
