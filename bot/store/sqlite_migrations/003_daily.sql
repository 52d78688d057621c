-- Daily prompt schedules (one per channel) and the post history that makes posting exactly-once.

CREATE TABLE daily_schedules (
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    at_time      TEXT NOT NULL,            -- HH:MM local
    timezone     TEXT NOT NULL,            -- IANA name
    trope        TEXT,
    role_id      INTEGER,
    paused       TEXT,                     -- why posting is paused, NULL when active
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) STRICT;

-- A row is the claim on (channel, local day): inserted before sending, so no day posts twice.
CREATE TABLE daily_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    local_date  TEXT NOT NULL,
    prompt_key  TEXT NOT NULL,
    text        TEXT NOT NULL,
    claimed_by  TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     TEXT,
    message_id  INTEGER,
    UNIQUE (guild_id, channel_id, local_date)
) STRICT;
