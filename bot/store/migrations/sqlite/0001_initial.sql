-- Documents of every kind, curated (guild_id 0) and added by servers (guild_id = the server).
-- Applied inside one transaction by the runner, which also records schema_version.

CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    guild_id     INTEGER NOT NULL DEFAULT 0,
    data         TEXT    NOT NULL CHECK (json_valid(data)),
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    UNIQUE (kind, key, guild_id)
);

-- One kind in one scope, in key order: list, count and random without a sort.
CREATE INDEX documents_scope ON documents (kind, guild_id, key);

-- The side tables copy their document's identity (kind, key, guild_id) so that link and name
-- reads are index-only; the trigger below keeps that identity fixed, so the copies stay true.
CREATE TRIGGER documents_identity_fixed
BEFORE UPDATE OF kind, key, guild_id ON documents
WHEN old.kind IS NOT new.kind OR old.key IS NOT new.key OR old.guild_id IS NOT new.guild_id
BEGIN
    SELECT RAISE(ABORT, 'a document''s kind, key and guild_id never change');
END;

CREATE TABLE document_links (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    link_kind   TEXT    NOT NULL,
    link_key    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    guild_id    INTEGER NOT NULL,
    PRIMARY KEY (document_id, position)
) WITHOUT ROWID;

-- linked / random(link=...) / count_linked / link_keys, all without touching documents.
CREATE INDEX document_links_target ON document_links (link_kind, link_key, kind, guild_id, key);

CREATE TABLE document_names (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    norm        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    guild_id    INTEGER NOT NULL,
    PRIMARY KEY (document_id, position)
) WITHOUT ROWID;

CREATE INDEX document_names_scope ON document_names (kind, guild_id, key);
CREATE INDEX document_names_norm ON document_names (kind, norm);

-- How many documents each (kind, guild) holds, so count and random need no scan.
CREATE TABLE document_counts (
    kind     TEXT    NOT NULL,
    guild_id INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (kind, guild_id)
) WITHOUT ROWID;

CREATE TRIGGER documents_count_insert AFTER INSERT ON documents BEGIN
    INSERT INTO document_counts (kind, guild_id, n) VALUES (new.kind, new.guild_id, 1)
    ON CONFLICT (kind, guild_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER documents_count_delete AFTER DELETE ON documents BEGIN
    UPDATE document_counts SET n = n - 1 WHERE kind = old.kind AND guild_id = old.guild_id;
END;

-- Full-text index over title and body, external content kept in sync by triggers.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title,
    body,
    content = 'documents',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO documents_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
