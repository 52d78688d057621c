-- AO3 fetches. `ao3_pages` caches what a URL gave: a page (status 200, `body`) kept for
-- the page cache's lifetime, or a failure (`failure` names its kind, `detail` e.g. the
-- seconds of a Retry-After) kept for the negative cache's. Times are Unix seconds (UTC).
CREATE TABLE ao3_pages (
    url        TEXT PRIMARY KEY,
    status     INTEGER NOT NULL,
    body       TEXT,
    failure    TEXT,
    detail     REAL,
    fetched_at REAL NOT NULL,
    expires_at REAL NOT NULL
) STRICT;
CREATE INDEX ao3_pages_expiry ON ao3_pages (expires_at);

-- The shared request budget: one row per request any process sent to AO3, so processes
-- sharing this database keep their sum within the limits (old rows are pruned).
CREATE TABLE ao3_requests (
    at       REAL NOT NULL,
    instance TEXT NOT NULL
) STRICT;
CREATE INDEX ao3_requests_at ON ao3_requests (at);
