-- Per-server and per-channel posting policy. channel_id 0 = the server default.
-- NULL columns inherit (channel -> server default -> built-in default).

CREATE TABLE channel_policy (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    max_rating TEXT,
    spoilers   INTEGER CHECK (spoilers IN (0, 1)),
    PRIMARY KEY (guild_id, channel_id)
) STRICT;

-- blocked = 1 blocks the warning at this level, 0 explicitly allows it (overriding above).
CREATE TABLE channel_blocks (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    warning    TEXT NOT NULL,
    blocked    INTEGER NOT NULL CHECK (blocked IN (0, 1)),
    PRIMARY KEY (guild_id, channel_id, warning)
) STRICT;

CREATE TABLE config_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    change     TEXT NOT NULL
) STRICT;
CREATE INDEX config_log_by_guild ON config_log (guild_id, id);

-- Servers the bot was removed from, so their data can be purged after a grace period.
CREATE TABLE departed_guilds (
    guild_id INTEGER PRIMARY KEY,
    left_at  TEXT NOT NULL
) STRICT;

-- Prompts shown per server, so a prompt does not repeat too soon.
CREATE TABLE prompt_history (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    prompt_key TEXT NOT NULL,
    shown_at   TEXT NOT NULL
) STRICT;
CREATE INDEX prompt_history_by_guild ON prompt_history (guild_id, id);
