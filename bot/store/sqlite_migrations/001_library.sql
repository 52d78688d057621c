-- The story library: stories, passages, what analysis found, full-text indexes.
-- guild_id 0 = bundled (visible in every server); otherwise the server that uploaded it.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Stable bit positions for warning and trope slugs, assigned on first use (append-only).
CREATE TABLE vocab (
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'trope')),
    slug TEXT NOT NULL,
    bit  INTEGER NOT NULL CHECK (bit BETWEEN 0 AND 62),
    PRIMARY KEY (kind, slug),
    UNIQUE (kind, bit)
) STRICT;

CREATE TABLE stories (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    file_mtime_ns  INTEGER NOT NULL,
    index_version  TEXT NOT NULL,
    format         TEXT NOT NULL,
    title          TEXT NOT NULL,
    authors        TEXT NOT NULL,          -- JSON list
    fandoms        TEXT NOT NULL,          -- JSON list
    relationships  TEXT NOT NULL,          -- JSON list
    characters     TEXT NOT NULL,          -- JSON list (declared, else detected)
    tags           TEXT NOT NULL,          -- JSON list (additional tags)
    summary        TEXT NOT NULL,
    language       TEXT,
    url            TEXT,
    rating         TEXT NOT NULL,
    rating_rank    INTEGER NOT NULL,
    rating_source  TEXT NOT NULL,
    words          INTEGER NOT NULL,
    warn_mask      INTEGER NOT NULL,       -- warnings of the story (declared or detected)
    declared_mask  INTEGER NOT NULL,       -- warnings the author declared
    trope_mask     INTEGER NOT NULL,
    report         TEXT NOT NULL,          -- JSON: the `ficshelf analyze` object
    added_by       INTEGER,
    added_at       TEXT NOT NULL,
    UNIQUE (guild_id, source)
) STRICT;
CREATE INDEX stories_by_hash ON stories (guild_id, content_hash);

CREATE TABLE passages (
    id          INTEGER PRIMARY KEY,
    story_id    INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,          -- the story's, for visibility without a join
    seq         INTEGER NOT NULL,
    chapter     INTEGER NOT NULL,
    first_line  INTEGER NOT NULL,
    last_line   INTEGER NOT NULL,
    words       INTEGER NOT NULL,
    rating_rank INTEGER NOT NULL,          -- the story's, for eligibility without a join
    warn_mask   INTEGER NOT NULL,          -- story-declared warnings | detected in this passage
    trope_mask  INTEGER NOT NULL,          -- the story's tropes
    text        TEXT NOT NULL,
    UNIQUE (story_id, seq)
) STRICT;

CREATE TABLE passage_characters (
    character  TEXT NOT NULL COLLATE NOCASE,
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    PRIMARY KEY (character, passage_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX passage_characters_by_passage ON passage_characters (passage_id);

CREATE VIRTUAL TABLE passage_fts USING fts5 (
    text, content = 'passages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passage_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passage_fts (passage_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE VIRTUAL TABLE story_fts USING fts5 (
    title, authors, tags, characters, fandoms, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER stories_ad AFTER DELETE ON stories BEGIN
    DELETE FROM story_fts WHERE rowid = old.id;
END;
