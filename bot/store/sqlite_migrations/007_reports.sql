-- Reader reports and the moderators' decisions on them: per-server overrides of what the
-- library says. Nothing here is ever read for another server (every query takes guild_id).

-- One row per (server, passage, reporter): a member reporting a passage twice is one report.
-- passage_text and story_title are snapshots, so a decided report stays a training label
-- after its story is re-indexed or removed.
CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    passage_id    INTEGER NOT NULL,
    story_id      INTEGER NOT NULL,
    story_title   TEXT NOT NULL,
    passage_text  TEXT NOT NULL,
    reporter_id   INTEGER NOT NULL,
    reason        TEXT NOT NULL
        CHECK (reason IN ('missing-warning', 'wrong-channel', 'wrong-facts', 'other')),
    warning       TEXT,                   -- the missing warning's slug, if one was named
    comment       TEXT NOT NULL DEFAULT '',
    message_link  TEXT,
    channel_id    INTEGER NOT NULL,
    reported_at   TEXT NOT NULL,          -- ISO 8601 UTC
    status        TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'kept', 'restored', 'story-hidden')),
    added_warning INTEGER NOT NULL DEFAULT 0 CHECK (added_warning IN (0, 1)),
    decided_by    INTEGER,
    decided_at    TEXT,
    card_channel  INTEGER,                -- the queue card, once posted
    card_message  INTEGER,
    UNIQUE (guild_id, passage_id, reporter_id)
) STRICT;
CREATE INDEX reports_open ON reports (guild_id, status, id);
CREATE INDEX reports_by_reporter ON reports (guild_id, reporter_id, reported_at);
CREATE INDEX reports_by_passage ON reports (guild_id, passage_id);

-- Passages hidden in one server, each row held by the report that hid it (the passage
-- itself, or its scene when several members reported it). A passage is hidden while any
-- row names it; restoring a report deletes its rows.
CREATE TABLE hidden_passages (
    guild_id   INTEGER NOT NULL,
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (guild_id, passage_id, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX hidden_passages_by_report ON hidden_passages (report_id);

-- Stories a moderator hid in one server ("Hide the whole story here").
CREATE TABLE hidden_stories (
    guild_id   INTEGER NOT NULL,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    report_id  INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    hidden_by  INTEGER NOT NULL,
    hidden_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, story_id)
) STRICT;

-- Warnings a moderator added to a passage for one server (Keep hidden + add the warning).
CREATE TABLE passage_warnings (
    guild_id   INTEGER NOT NULL,
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    warning    TEXT NOT NULL,
    report_id  INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    PRIMARY KEY (guild_id, passage_id, warning)
) STRICT, WITHOUT ROWID;

-- Where a server's report cards go (NULL: nowhere; reports wait in /reports list).
CREATE TABLE report_settings (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER
) STRICT;

-- A button's filter, when it is too long to travel in the button's custom_id itself.
CREATE TABLE button_filters (
    id     INTEGER PRIMARY KEY,
    filter TEXT NOT NULL UNIQUE
) STRICT;
