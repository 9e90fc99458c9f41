-- Moderation: every version of each server's own entries, curated entries a server hides,
-- suggestions waiting for review, the audit log, and each server's moderator role; the
-- PostgreSQL twin of sqlite/0003_moderation.sql. Keys are COLLATE "C" as in `documents`.
-- The version in force of an active server entry is also a row of `documents` (that server's),
-- written in the same transaction, which is what the read path serves.

CREATE TABLE entry_versions (
    guild_id          bigint      NOT NULL CHECK (guild_id <> 0),
    kind              text        COLLATE "C" NOT NULL,
    key               text        COLLATE "C" NOT NULL,
    version           integer     NOT NULL CHECK (version >= 1),
    status            text        NOT NULL CHECK (status IN ('active', 'retired')),
    data              jsonb       NOT NULL,
    action            text        NOT NULL,
    actor_id          bigint      NOT NULL,
    actor_name        text        NOT NULL,
    reason            text        NOT NULL DEFAULT '',
    at                timestamptz NOT NULL,
    suggested_by_id   bigint,
    suggested_by_name text,
    PRIMARY KEY (guild_id, kind, key, version)
);

-- Nothing is lost: a version, once written, is never changed or removed.
CREATE FUNCTION entry_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'entry versions never change and are never deleted';
END;
$$;

CREATE TRIGGER entry_versions_immutable BEFORE UPDATE OR DELETE ON entry_versions
    FOR EACH ROW EXECUTE FUNCTION entry_versions_immutable();

-- Curated entries (guild 0) a server does not want in its answers. The read queries of
-- bot/store/postgres.py treat a row here like a server row of the same (kind, key): it shadows
-- the curated row for that server, and shows nothing in its place.
CREATE TABLE hidden_entries (
    guild_id   bigint      NOT NULL CHECK (guild_id <> 0),
    kind       text        COLLATE "C" NOT NULL,
    key        text        COLLATE "C" NOT NULL,
    actor_id   bigint      NOT NULL,
    actor_name text        NOT NULL,
    reason     text        NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (guild_id, kind, key)
);

CREATE TABLE suggestions (
    guild_id      bigint      NOT NULL CHECK (guild_id <> 0),
    number        integer     NOT NULL CHECK (number >= 1),
    kind          text        NOT NULL,
    data          jsonb       NOT NULL,
    new_person    jsonb,
    author_id     bigint      NOT NULL,
    author_name   text        NOT NULL,
    at            timestamptz NOT NULL,
    duplicate_of  text,
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id   bigint,
    reviewer_name text,
    decided_at    timestamptz,
    reason        text        NOT NULL DEFAULT '',
    entry_key     text,
    PRIMARY KEY (guild_id, number)
);

-- The review queue in order, and one member's recent suggestions (the rate limit).
CREATE INDEX suggestions_queue ON suggestions (guild_id, status, number);
CREATE INDEX suggestions_author ON suggestions (guild_id, author_id, at);

CREATE TABLE audit_log (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL CHECK (guild_id <> 0),
    at         timestamptz NOT NULL,
    actor_id   bigint      NOT NULL,
    actor_name text        NOT NULL,
    action     text        NOT NULL,
    kind       text        COLLATE "C",
    key        text        COLLATE "C",
    version    integer,
    detail     text        NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_guild ON audit_log (guild_id, id);
CREATE INDEX audit_log_entry ON audit_log (guild_id, kind, key, id);

CREATE TABLE moderation_settings (
    guild_id          bigint PRIMARY KEY CHECK (guild_id <> 0),
    moderator_role_id bigint
);
