-- How each server uses the bot: counts per UTC day, nothing else (issue 13). ``what`` is
-- 'command', 'view:<kind>', 'word' or 'gap:<kind>'; ``key`` what it counts (a command name, an
-- entry key, a searched word, the text of a question that found nothing, at most 100
-- characters). Rows older than 90 days are purged; a server's rows go with the server.
CREATE TABLE usage_counts (
    guild_id INTEGER NOT NULL,
    day      TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    what     TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (guild_id, day, what, key)
) WITHOUT ROWID;

CREATE INDEX usage_counts_by_day ON usage_counts (day);
