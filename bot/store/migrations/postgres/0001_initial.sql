-- Documents of every kind, curated (guild_id 0) and added by servers (guild_id = the server):
-- the PostgreSQL twin of sqlite/0001_initial.sql. Applied inside one transaction by the runner,
-- which also records schema_version. Objects are created in the first schema of search_path
-- (the store's schema: open_store's ?schema=NAME, else the server's default, usually public).
--
-- Keys and link keys are COLLATE "C": byte order, as SQLite's BINARY, so list pages, link keys
-- and random picks come out the same on both backends.

-- Full-text search: `search_words` turns text into lowercase words separated by single spaces
-- (every run of characters that are not letters or digits becomes a space), as SQLite's
-- unicode61 tokenizer splits it, so that `1.5`, `www.sco.org` or `fan-xianrong` index their
-- words rather than PostgreSQL's compound tokens. It uses the ICU root collation when the
-- server has ICU, so letters of every script count whatever the database's locale. The text
-- search configuration `search_config` is `simple` with `unaccent` in front of it when that
-- extension is available (it is installed into `public`, shared by every schema, never into
-- the store's own schema), and plain `simple` otherwise: then accents are not ignored.
DO $migration$
DECLARE
    ext_schema name;
    word_collation text := '';
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent';
    IF ext_schema IS NULL THEN
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
                CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
            ELSE
                CREATE EXTENSION IF NOT EXISTS unaccent;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'unaccent is not available (%): search will not ignore accents', SQLERRM;
        END;
        SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'unaccent';
    END IF;

    CREATE TEXT SEARCH CONFIGURATION search_config (COPY = pg_catalog.simple);
    IF ext_schema IS NOT NULL THEN
        EXECUTE format(
            'ALTER TEXT SEARCH CONFIGURATION search_config ALTER MAPPING FOR '
            'asciiword, word, numword, asciihword, hword, numhword, '
            'hword_asciipart, hword_part, hword_numpart WITH %I.unaccent, pg_catalog.simple',
            ext_schema
        );
    END IF;

    IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
        word_collation := ' COLLATE "und-x-icu"';
    END IF;
    EXECUTE format(
        'CREATE FUNCTION search_words(t text) RETURNS text '
        'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE '
        'RETURN lower(regexp_replace(normalize(t, NFC)%s, ''[^[:alnum:]]+'', '' '', ''g''))',
        word_collation
    );
END
$migration$;

CREATE TABLE documents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    guild_id     bigint NOT NULL DEFAULT 0,
    data         json NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL,
    content_hash text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    -- Title words weigh A, body words B; search ranks with ts_rank over both.
    search       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('search_config', search_words(title)), 'A')
        || setweight(to_tsvector('search_config', search_words(body)), 'B')
    ) STORED,
    UNIQUE (kind, key, guild_id)
);

-- One kind in one scope, in key order: list, count and random without a sort.
CREATE INDEX documents_scope ON documents (kind, guild_id, key);
CREATE INDEX documents_search ON documents USING gin (search);

-- The side tables copy their document's identity (kind, key, guild_id) so that link and name
-- reads are index-only; the trigger below keeps that identity fixed, so the copies stay true.
CREATE FUNCTION documents_identity_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a document''s kind, key and guild_id never change';
END
$$;

CREATE TRIGGER documents_identity_fixed
BEFORE UPDATE OF kind, key, guild_id ON documents
FOR EACH ROW
WHEN (old.kind IS DISTINCT FROM new.kind OR old.key IS DISTINCT FROM new.key
      OR old.guild_id IS DISTINCT FROM new.guild_id)
EXECUTE FUNCTION documents_identity_fixed();

CREATE TABLE document_links (
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    link_kind   text COLLATE "C" NOT NULL,
    link_key    text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    guild_id    bigint NOT NULL,
    PRIMARY KEY (document_id, position)
);

-- linked / random(link=...) / count_linked / link_keys, all without touching documents.
CREATE INDEX document_links_target ON document_links (link_kind, link_key, kind, guild_id, key);

CREATE TABLE document_names (
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,
    norm        text NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    guild_id    bigint NOT NULL,
    PRIMARY KEY (document_id, position)
);

CREATE INDEX document_names_scope ON document_names (kind, guild_id, key);
CREATE INDEX document_names_norm ON document_names (kind, norm);

-- How many documents each (kind, guild) holds, so count and random need no scan, and a
-- generation that moves on every insert or delete of that scope (document_marks below are
-- valid while theirs matches). Kept by statement-level triggers: one upsert per statement,
-- not per row, rows locked in key order so that concurrent writers cannot deadlock on them.
CREATE TABLE document_counts (
    kind       text COLLATE "C" NOT NULL,
    guild_id   bigint NOT NULL,
    n          bigint NOT NULL,
    generation bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, guild_id)
);

CREATE FUNCTION documents_count_insert() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO document_counts AS c (kind, guild_id, n, generation)
    SELECT kind, guild_id, count(*), 1 FROM new_rows
    GROUP BY kind, guild_id ORDER BY kind, guild_id
    ON CONFLICT (kind, guild_id)
    DO UPDATE SET n = c.n + excluded.n, generation = c.generation + 1;
    RETURN NULL;
END
$$;

CREATE FUNCTION documents_count_delete() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE document_counts AS c SET n = c.n - d.n, generation = c.generation + 1
    FROM (SELECT kind, guild_id, count(*) AS n FROM old_rows GROUP BY kind, guild_id
          ORDER BY kind, guild_id) AS d
    WHERE c.kind = d.kind AND c.guild_id = d.guild_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_count_insert AFTER INSERT ON documents
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION documents_count_insert();

CREATE TRIGGER documents_count_delete AFTER DELETE ON documents
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION documents_count_delete();

-- How many documents of each (kind, guild) link to each target, so count_linked and
-- random(link=...) need no scan of a link range (a source cited by 100,000 facts).
CREATE TABLE document_link_counts (
    link_kind text COLLATE "C" NOT NULL,
    link_key  text COLLATE "C" NOT NULL,
    kind      text COLLATE "C" NOT NULL,
    guild_id  bigint NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (link_kind, link_key, kind, guild_id)
);

CREATE FUNCTION document_links_count_insert() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO document_link_counts AS c (link_kind, link_key, kind, guild_id, n)
    SELECT link_kind, link_key, kind, guild_id, count(*) FROM new_rows
    GROUP BY link_kind, link_key, kind, guild_id ORDER BY link_kind, link_key, kind, guild_id
    ON CONFLICT (link_kind, link_key, kind, guild_id) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION document_links_count_delete() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE document_link_counts AS c SET n = c.n - d.n
    FROM (SELECT link_kind, link_key, kind, guild_id, count(*) AS n FROM old_rows
          GROUP BY link_kind, link_key, kind, guild_id
          ORDER BY link_kind, link_key, kind, guild_id) AS d
    WHERE (c.link_kind, c.link_key, c.kind, c.guild_id)
        = (d.link_kind, d.link_key, d.kind, d.guild_id);
    RETURN NULL;
END
$$;

-- A link rewritten in place (put keeps positions) moves from its old target to its new one.
CREATE FUNCTION document_links_count_update() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO document_link_counts AS c (link_kind, link_key, kind, guild_id, n)
    SELECT link_kind, link_key, kind, guild_id, sum(delta) FROM (
        SELECT link_kind, link_key, kind, guild_id, 1 AS delta FROM new_rows
        UNION ALL
        SELECT link_kind, link_key, kind, guild_id, -1 FROM old_rows
    ) AS changes
    GROUP BY link_kind, link_key, kind, guild_id
    HAVING sum(delta) <> 0
    ORDER BY link_kind, link_key, kind, guild_id
    ON CONFLICT (link_kind, link_key, kind, guild_id) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER document_links_count_insert AFTER INSERT ON document_links
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION document_links_count_insert();

CREATE TRIGGER document_links_count_delete AFTER DELETE ON document_links
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION document_links_count_delete();

CREATE TRIGGER document_links_count_update AFTER UPDATE ON document_links
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION document_links_count_update();

-- Every MARK_STEP-th curated key of a large kind, in key order, with the generation of
-- document_counts it was taken at: random's "the n-th key" starts from the mark below n and
-- walks at most MARK_STEP index entries, instead of n. Rebuilt by the store after each bulk
-- write of curated documents; a mark whose generation is stale is ignored.
CREATE TABLE document_marks (
    kind       text COLLATE "C" NOT NULL,
    guild_id   bigint NOT NULL,
    ordinal    bigint NOT NULL,
    key        text COLLATE "C" NOT NULL,
    generation bigint NOT NULL,
    PRIMARY KEY (kind, guild_id, ordinal)
);
