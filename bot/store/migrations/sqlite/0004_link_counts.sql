-- How many documents of each (kind, guild) link to each target, kept by triggers, so
-- count_linked needs no scan of a link range (a source cited by 100,000 facts), as on
-- PostgreSQL since its 0001. Links are only ever inserted and deleted (a document's links are
-- rewritten by deleting and inserting them; deleting a document cascades, which fires these
-- triggers too).
CREATE TABLE document_link_counts (
    link_kind TEXT    NOT NULL,
    link_key  TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    guild_id  INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (link_kind, link_key, kind, guild_id)
) WITHOUT ROWID;

INSERT INTO document_link_counts (link_kind, link_key, kind, guild_id, n)
SELECT link_kind, link_key, kind, guild_id, count(*) FROM document_links
GROUP BY link_kind, link_key, kind, guild_id;

CREATE TRIGGER document_links_count_insert AFTER INSERT ON document_links BEGIN
    INSERT INTO document_link_counts (link_kind, link_key, kind, guild_id, n)
    VALUES (new.link_kind, new.link_key, new.kind, new.guild_id, 1)
    ON CONFLICT (link_kind, link_key, kind, guild_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER document_links_count_delete AFTER DELETE ON document_links BEGIN
    UPDATE document_link_counts SET n = n - 1
    WHERE link_kind = old.link_kind AND link_key = old.link_key
      AND kind = old.kind AND guild_id = old.guild_id;
END;

CREATE TRIGGER document_links_no_update BEFORE UPDATE ON document_links BEGIN
    SELECT RAISE(ABORT, 'document_links rows are replaced, not updated');
END;
