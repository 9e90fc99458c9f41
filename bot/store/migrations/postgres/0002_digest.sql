-- Daily digests: each server's subscription and each local day's post; the PostgreSQL twin of
-- sqlite/0002_digest.sql.

CREATE TABLE digest_subscriptions (
    guild_id   bigint      PRIMARY KEY,
    channel_id bigint      NOT NULL,
    post_time  time(0)     NOT NULL,
    timezone   text        NOT NULL,
    since      timestamptz NOT NULL,
    cycle      integer     NOT NULL DEFAULT 0 CHECK (cycle >= 0),
    paused     text,
    paused_at  timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per server and local day, claimed before the digest is sent and finished after.
-- The primary key is the guarantee of one post a day: whichever process inserts first posts.
CREATE TABLE digest_posts (
    guild_id    bigint      NOT NULL,
    local_date  date        NOT NULL,
    channel_id  bigint      NOT NULL,
    cycle       integer     NOT NULL CHECK (cycle >= 0),
    entry_key   text        COLLATE "C" NOT NULL,
    token       text        NOT NULL,
    claimed_at  timestamptz NOT NULL,
    attempts    integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    outcome     text        CHECK (outcome IN ('sent', 'failed')),
    message_id  bigint,
    detail      text,
    finished_at timestamptz,
    PRIMARY KEY (guild_id, local_date)
);

-- What a server posted in one rotation cycle.
CREATE INDEX digest_posts_cycle ON digest_posts (guild_id, cycle, entry_key);
