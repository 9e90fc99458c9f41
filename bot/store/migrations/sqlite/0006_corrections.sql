-- Corrections ("Report an error", issue 14): a reader's report that an entry is wrong waits in
-- the same review queue as suggestions, numbered with them and counted by the same per-member
-- limit. ``corrects`` is the reported entry's key (its kind is the row's ``kind``; NULL: a
-- suggested new entry); ``curated`` is 1 when that entry is a curated one (the maintainers
-- collect those across servers: ``python -m bot store reports``). ``data`` holds what is
-- wrong, the optional evidence, and the entry's text when it was reported.
ALTER TABLE suggestions ADD COLUMN corrects TEXT;
ALTER TABLE suggestions ADD COLUMN curated INTEGER NOT NULL DEFAULT 0 CHECK (curated IN (0, 1));

CREATE INDEX suggestions_curated_reports ON suggestions (curated, at) WHERE curated = 1;
