-- One work, one story: `work` names the work a story is a copy of ('ao3:<work id>', read
-- from its AO3 address), so the HTML and EPUB downloads of one work are one story.
ALTER TABLE stories ADD COLUMN work TEXT;
UPDATE stories
SET work = 'ao3:' || CAST(substr(url, instr(url, 'archiveofourown.org/works/') + 26) AS INTEGER)
WHERE instr(url, 'archiveofourown.org/works/') > 0
    AND CAST(substr(url, instr(url, 'archiveofourown.org/works/') + 26) AS INTEGER) > 0;
CREATE INDEX stories_by_work ON stories (guild_id, work) WHERE work IS NOT NULL;

-- Undo for /library remove. A removed upload is parked, not deleted: its story and
-- passage rows move to guild_id = -(the server), which no read asks for (every read asks
-- for guild_id IN (0, g), g > 0), so it is visible nowhere, and this table remembers where
-- it came from and when. Restoring moves the rows back; after the undo window the parked
-- story is deleted (and this row with it, by cascade).
CREATE TABLE removed_stories (
    story_id   INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL CHECK (guild_id > 0),
    removed_by INTEGER,
    removed_at TEXT NOT NULL            -- ISO 8601 UTC
) STRICT;
CREATE INDEX removed_stories_by_guild ON removed_stories (guild_id, removed_at);
CREATE INDEX removed_stories_by_time ON removed_stories (removed_at);
