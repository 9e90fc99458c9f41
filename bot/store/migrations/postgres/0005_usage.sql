-- How each server uses the bot: counts per UTC day, nothing else (issue 13); the PostgreSQL
-- twin of sqlite/0005_usage.sql.
CREATE TABLE usage_counts (
    guild_id bigint  NOT NULL,
    day      date    NOT NULL,
    what     text    NOT NULL,
    key      text    NOT NULL,
    count    integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (guild_id, day, what, key)
);

CREATE INDEX usage_counts_by_day ON usage_counts (day);
