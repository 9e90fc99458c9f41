-- Daily digests: each server's subscription and each local day's post.
-- Times are UTC ISO-8601 text with microseconds and "+00:00", so they sort as they compare.

CREATE TABLE digest_subscriptions (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    post_time  TEXT    NOT NULL CHECK (post_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone   TEXT    NOT NULL,
    since      TEXT    NOT NULL,
    cycle      INTEGER NOT NULL DEFAULT 0 CHECK (cycle >= 0),
    paused     TEXT,
    paused_at  TEXT,
    updated_at TEXT    NOT NULL
);

-- One row per server and local day, claimed before the digest is sent and finished after.
-- The primary key is the guarantee of one post a day: whichever process inserts first posts.
CREATE TABLE digest_posts (
    guild_id    INTEGER NOT NULL,
    local_date  TEXT    NOT NULL CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    channel_id  INTEGER NOT NULL,
    cycle       INTEGER NOT NULL CHECK (cycle >= 0),
    entry_key   TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    claimed_at  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    outcome     TEXT    CHECK (outcome IN ('sent', 'failed')),
    message_id  INTEGER,
    detail      TEXT,
    finished_at TEXT,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;

-- What a server posted in one rotation cycle.
CREATE INDEX digest_posts_cycle ON digest_posts (guild_id, cycle, entry_key);
