-- The daily prompt as a writing club: which days a schedule posts on, a response thread per
-- post, where its prompts come from; prompts members suggest (moderated in the queue), and
-- notes kept for a member until their next interaction (a rejection when DMs are closed).

-- `days` is the canonical rule (bot/recurrence.py: "every day", "mon,wed,fri", "weekdays",
-- "every 2 days"); `anchor` is the local date "every N days" counts from, so its phase
-- survives restarts. `thread_problem` says why the last post got no thread (NULL: fine).
ALTER TABLE daily_schedules ADD COLUMN days TEXT NOT NULL DEFAULT 'every day';
ALTER TABLE daily_schedules ADD COLUMN anchor TEXT;
ALTER TABLE daily_schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily_schedules ADD COLUMN source TEXT NOT NULL DEFAULT 'mixed';
ALTER TABLE daily_schedules ADD COLUMN thread_problem TEXT;

-- What each post was: a generated prompt or a member's suggestion (credited by name), and
-- the response thread opened on it.
ALTER TABLE daily_posts ADD COLUMN source TEXT NOT NULL DEFAULT 'generated';
ALTER TABLE daily_posts ADD COLUMN credit TEXT;
ALTER TABLE daily_posts ADD COLUMN thread_id INTEGER;

-- A member's suggested prompt, per server. `warnings` are the slugs detection found in it
-- (comma-separated), so a channel that blocks one never posts it.
CREATE TABLE prompt_suggestions (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    author_name   TEXT NOT NULL,           -- display name when suggested (the credit)
    text          TEXT NOT NULL,
    trope         TEXT,
    warnings      TEXT NOT NULL DEFAULT '',
    suggested_at  TEXT NOT NULL,           -- ISO 8601 UTC
    status        TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'approved', 'rejected')),
    reason        TEXT,                    -- a rejection's reason, if one was given
    decided_by    INTEGER,
    decided_at    TEXT,
    card_channel  INTEGER,
    card_message  INTEGER
) STRICT;
CREATE INDEX prompt_suggestions_by_status ON prompt_suggestions (guild_id, status, id);
CREATE INDEX prompt_suggestions_by_member ON prompt_suggestions (guild_id, user_id, suggested_at);

-- A note for a member, shown privately on their next interaction in that server.
CREATE TABLE member_notices (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    delivered_at  TEXT
) STRICT;
CREATE INDEX member_notices_pending ON member_notices (guild_id, user_id, delivered_at);
