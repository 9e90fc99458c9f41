-- Moderation: every version of each server's own entries, curated entries a server hides,
-- suggestions waiting for review, the audit log, and each server's moderator role.
-- Times are UTC ISO-8601 text with microseconds and "+00:00", so they sort as they compare.
-- The version in force of an active server entry is also a row of `documents` (that server's),
-- written in the same transaction, which is what the read path serves.

CREATE TABLE entry_versions (
    guild_id          INTEGER NOT NULL CHECK (guild_id <> 0),
    kind              TEXT    NOT NULL,
    key               TEXT    NOT NULL,
    version           INTEGER NOT NULL CHECK (version >= 1),
    status            TEXT    NOT NULL CHECK (status IN ('active', 'retired')),
    data              TEXT    NOT NULL CHECK (json_valid(data)),
    action            TEXT    NOT NULL,
    actor_id          INTEGER NOT NULL,
    actor_name        TEXT    NOT NULL,
    reason            TEXT    NOT NULL DEFAULT '',
    at                TEXT    NOT NULL,
    suggested_by_id   INTEGER,
    suggested_by_name TEXT,
    PRIMARY KEY (guild_id, kind, key, version)
) WITHOUT ROWID;

-- Nothing is lost: a version, once written, is never changed or removed.
CREATE TRIGGER entry_versions_immutable BEFORE UPDATE ON entry_versions BEGIN
    SELECT RAISE(ABORT, 'entry versions never change; write a new version');
END;

CREATE TRIGGER entry_versions_kept BEFORE DELETE ON entry_versions BEGIN
    SELECT RAISE(ABORT, 'entry versions are never deleted; retire the entry');
END;

-- Curated entries (guild 0) a server does not want in its answers. The read queries of
-- bot/store/sqlite.py treat a row here like a server row of the same (kind, key): it shadows
-- the curated row for that server, and shows nothing in its place.
CREATE TABLE hidden_entries (
    guild_id   INTEGER NOT NULL CHECK (guild_id <> 0),
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL,
    actor_name TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    PRIMARY KEY (guild_id, kind, key)
) WITHOUT ROWID;

CREATE TABLE suggestions (
    guild_id      INTEGER NOT NULL CHECK (guild_id <> 0),
    number        INTEGER NOT NULL CHECK (number >= 1),
    kind          TEXT    NOT NULL,
    data          TEXT    NOT NULL CHECK (json_valid(data)),
    new_person    TEXT    CHECK (new_person IS NULL OR json_valid(new_person)),
    author_id     INTEGER NOT NULL,
    author_name   TEXT    NOT NULL,
    at            TEXT    NOT NULL,
    duplicate_of  TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id   INTEGER,
    reviewer_name TEXT,
    decided_at    TEXT,
    reason        TEXT    NOT NULL DEFAULT '',
    entry_key     TEXT,
    PRIMARY KEY (guild_id, number)
) WITHOUT ROWID;

-- The review queue in order, and one member's recent suggestions (the rate limit).
CREATE INDEX suggestions_queue ON suggestions (guild_id, status, number);
CREATE INDEX suggestions_author ON suggestions (guild_id, author_id, at);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL CHECK (guild_id <> 0),
    at         TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL,
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    kind       TEXT,
    key        TEXT,
    version    INTEGER,
    detail     TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_guild ON audit_log (guild_id, id);
CREATE INDEX audit_log_entry ON audit_log (guild_id, kind, key, id);

CREATE TABLE moderation_settings (
    guild_id          INTEGER PRIMARY KEY CHECK (guild_id <> 0),
    moderator_role_id INTEGER
);
