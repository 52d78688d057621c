-- Dense sampling slots, so a random excerpt filtered by trope or character is a handful of
-- index probes instead of a scan. Per key ('trope:<slug>' or 'character:<name in lower
-- case>'), each run of consecutive matching passages (a whole story for a trope) owns the
-- slots [start, start + n), slot start + k being passage lo + k: a uniform random slot below
-- the key's top is a uniform random matching passage. A deleted story's slots become a
-- hole that a draw simply rejects.
CREATE TABLE sample_slots (
    key      TEXT NOT NULL,
    start    INTEGER NOT NULL,
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    n        INTEGER NOT NULL,            -- passages in the run
    lo       INTEGER NOT NULL,            -- the run's first passage id (ids are consecutive)
    PRIMARY KEY (key, start)
) STRICT, WITHOUT ROWID;
CREATE INDEX sample_slots_by_story ON sample_slots (story_id);

CREATE TABLE sample_tops (
    key TEXT PRIMARY KEY,
    top INTEGER NOT NULL                  -- the next free slot
) STRICT, WITHOUT ROWID;

-- Slots for what is already indexed.
CREATE TEMP TABLE story_span AS
    SELECT story_id, count(*) AS n, min(id) AS lo FROM passages GROUP BY story_id;

INSERT INTO sample_slots (key, start, story_id, n, lo)
SELECT key, sum(n) OVER (PARTITION BY key ORDER BY lo) - n, story_id, n, lo
FROM (
    SELECT 'trope:' || v.slug AS key, s.id AS story_id, sp.n, sp.lo
    FROM stories s
    JOIN vocab v ON v.kind = 'trope' AND (s.trope_mask >> v.bit) & 1
    JOIN story_span sp ON sp.story_id = s.id
    UNION ALL
    SELECT key, story_id, count(*), min(passage_id)
    FROM (  -- runs of consecutive passages: id minus rank is constant within a run
        SELECT 'character:' || lower(pc.character) AS key, p.story_id, pc.passage_id,
            pc.passage_id - row_number() OVER (
                PARTITION BY lower(pc.character), p.story_id ORDER BY pc.passage_id
            ) AS run
        FROM passage_characters pc JOIN passages p ON p.id = pc.passage_id
    )
    GROUP BY key, story_id, run
);

INSERT INTO sample_tops (key, top) SELECT key, max(start + n) FROM sample_slots GROUP BY key;

DROP TABLE story_span;
