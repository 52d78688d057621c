"""Library queries: atomic replace, guild isolation in SQL, uniform random draws."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bot.indexing import work_key
from bot.policy import Eligibility
from bot.store.db import Database, migrations, statement_errors
from bot.store.departures import DepartureStore
from bot.store.library import LibraryStore, PassageFilter
from bot.store.records import PassageEntry, StoryEntry

OPEN = Eligibility(max_rank=3, blocked=frozenset())

# what migrations after 006 create (a schema rolled back before them must lose it)
LATER_TABLES = (
    "DROP TABLE IF EXISTS ao3_pages; DROP TABLE IF EXISTS ao3_requests;"
    # 010: the writing club
    " DROP TABLE prompt_suggestions; DROP TABLE member_notices;"
    + "".join(
        f" ALTER TABLE daily_schedules DROP COLUMN {c};"
        for c in ("days", "anchor", "thread", "source", "thread_problem")
    )
    + "".join(
        f" ALTER TABLE daily_posts DROP COLUMN {c};" for c in ("source", "credit", "thread_id")
    )
)


def entry(
    source: str,
    *,
    guild: int = 0,
    title: str = "A Story",
    n: int = 4,
    rank: int = 1,
    declared: frozenset[str] = frozenset(),
    passage_warnings: dict[int, set[str]] | None = None,
    tropes: frozenset[str] = frozenset(),
    chars: dict[int, set[str]] | None = None,
) -> StoryEntry:
    passage_warnings = passage_warnings or {}
    chars = chars or {}
    return StoryEntry(
        guild_id=guild,
        source=source,
        content_hash=f"h-{source}",
        file_size=1,
        file_mtime_ns=1,
        index_version="v",
        format="plain",
        title=title,
        authors=["someone"],
        fandoms=[],
        relationships=[],
        characters=[],
        tags=[],
        summary="",
        language="en",
        url=None,
        rating="teen",
        rating_rank=rank,
        rating_source="declared",
        words=100 * n,
        warnings=declared | {w for ws in passage_warnings.values() for w in ws},
        declared=declared,
        tropes=tropes,
        report={"title": title, "chapters": [], "warnings": []},
        passages=[
            PassageEntry(
                1,
                i + 1,
                i + 1,
                100,
                f"{title} passage {i} lantern" if i == 0 else f"{title} passage {i}",
                frozenset(passage_warnings.get(i, set())),
                frozenset(chars.get(i, set())),
            )
            for i in range(n)
        ],
    )


@pytest.fixture
async def library(empty_db: Path | str) -> LibraryStore:
    db = await Database.open(empty_db)
    yield LibraryStore(db)
    await db.close()


async def test_save_replaces_atomically(library: LibraryStore) -> None:
    await library.save(entry("a.txt", n=3))
    assert await library.stats() == (1, 3)
    await library.save(entry("a.txt", n=5))  # changed file: replaced, not added
    assert await library.stats() == (1, 5)
    broken = entry("a.txt", n=2)
    broken.passages.append(broken.passages[0].__class__(1, 1, 1, 1, None, frozenset(), frozenset()))  # type: ignore[arg-type]
    with pytest.raises(statement_errors()):  # a failure must leave the old version
        await library.save(broken)
    assert await library.stats() == (1, 5)
    search = library.db.dialect.passages
    fts = await library.db.scalar(
        f"SELECT count(*) FROM {search.table} f WHERE {search.cond('f')}", ("passage",)
    )
    assert fts == 5


async def test_passage_search_matches_the_passages_through_upgrade_replace_and_removal(
    tmp_path: Path,
) -> None:
    """SQLite: passage_fts is filled by the store since migration 011 (before it, by a
    trigger). A database indexed before it keeps its rows; what is saved, replaced or
    removed afterwards is found exactly when its passages are there."""
    path = tmp_path / "old.db"
    db = await Database.open(path)
    await LibraryStore(db).save(entry("old.txt", title="Old", n=3))
    await db.close()
    with sqlite3.connect(path) as conn:  # back to before 011: the trigger indexes old.txt
        conn.executescript(
            "CREATE TEMP TABLE kept AS SELECT * FROM passages;"
            " DELETE FROM passages;"  # passages_ad takes their rows out of passage_fts
            " CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN"
            " INSERT INTO passage_fts (rowid, text) VALUES (new.id, new.text); END;"
            " INSERT INTO passages SELECT * FROM kept;"
            f" PRAGMA user_version = {len(migrations()) - 1};"
        )
    db = await Database.open(path)
    try:
        library = LibraryStore(db)
        await library.save(entry("new.txt", title="New", n=4))
        await library.save(entry("new.txt", title="Newer", n=2))  # replaced
        matches = "SELECT count(*) FROM passage_fts WHERE passage_fts MATCH ?"
        assert await db.scalar(matches, ("old",)) == 3
        assert await db.scalar(matches, ("newer",)) == 2
        assert await db.scalar(matches, ("new",)) == 0
        newer = next(n.id for n in await library.story_names(0) if n.title == "Newer")
        await library.remove([newer])
        assert await db.scalar(matches, ("passage",)) == 3
        # the index holds exactly the rows of the content table
        async with db.transaction() as conn:  # raises on a row missing from the index
            await conn.execute(
                "INSERT INTO passage_fts (passage_fts, rank) VALUES ('integrity-check', 1)"
            )
        triggers = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert "passages_ai" not in {r[0] for r in triggers}
    finally:
        await db.close()


async def test_guild_isolation_is_in_the_queries(library: LibraryStore) -> None:
    await library.save(entry("bundled.txt", title="Bundled"))
    await library.save(entry("upload:a", guild=111, title="Secret A"))
    await library.save(entry("upload:b", guild=222, title="Secret B"))
    titles = lambda names: {n.title for n in names}  # noqa: E731
    assert titles(await library.story_names(111)) == {"Bundled", "Secret A"}
    assert titles(await library.story_names(222)) == {"Bundled", "Secret B"}
    b_id = next(n.id for n in await library.story_names(222) if n.title == "Secret B")
    assert await library.story(111, b_id) is None
    assert await library.count_passages(111, PassageFilter(story_id=b_id)) == 0
    assert await library.find_stories(111, query="Secret") == [
        s for s in await library.find_stories(111, query="Secret") if s.title == "Secret A"
    ]
    rng = random.Random(1)
    for _ in range(200):
        p = await library.random_passage(111, PassageFilter(), OPEN, rng)
        assert p is not None
        assert p.story_id != b_id
    await DepartureStore(library.db).purge(222)
    library.purged()
    assert titles(await library.story_names(222)) == {"Bundled"}


async def test_random_draw_is_uniform_over_eligible(library: LibraryStore) -> None:
    await library.save(
        entry("x.txt", title="X", n=6, passage_warnings={0: {"violence"}, 1: {"violence"}})
    )
    await library.save(entry("y.txt", title="Y", n=2, rank=3))
    rng = random.Random(42)
    elig = Eligibility(max_rank=1, blocked=frozenset({"violence"}))
    counts: Counter[int] = Counter()
    for _ in range(4000):
        p = await library.random_passage(0, PassageFilter(), elig, rng)
        assert p is not None
        assert "violence" not in p.warnings
        counts[p.id] += 1
    assert len(counts) == 4  # X's 4 clean passages; Y is above the max rating
    assert max(counts.values()) / min(counts.values()) < 1.25


async def test_filters_and_declared_blocks(library: LibraryStore) -> None:
    await library.save(
        entry("x.txt", title="X", declared=frozenset({"suicide"}), tropes=frozenset({"angst"}))
    )
    await library.save(
        entry("y.txt", title="Y", tropes=frozenset({"fluff"}), chars={1: {"Midoriya Izuku"}})
    )
    rng = random.Random(3)
    blocked = Eligibility(max_rank=3, blocked=frozenset({"suicide"}))
    assert await library.random_passage(0, PassageFilter(trope="angst"), blocked, rng) is None
    assert await library.random_passage(0, PassageFilter(trope="angst"), OPEN, rng) is not None
    p = await library.random_passage(0, PassageFilter(character="midoriya izuku"), OPEN, rng)
    assert p is not None and p.text == "Y passage 1"
    p = await library.random_passage(0, PassageFilter(query="lantern"), OPEN, rng)
    assert p is not None and p.text.endswith("lantern")
    assert (
        await library.random_passage(0, PassageFilter(query='"); DROP TABLE x; --'), OPEN, rng)
        is None
    )
    assert await library.random_passage(0, PassageFilter(trope="unknown-trope"), OPEN, rng) is None


@pytest.mark.parametrize("how", ["trope", "character", "trope+character"])
async def test_trope_and_character_draws_are_uniform_despite_holes(
    library: LibraryStore, how: str
) -> None:
    """Dense sampling slots: every matching passage equally likely, after deletes/replaces."""
    angst = frozenset({"angst"})
    izuku = {i: {"Midoriya Izuku"} for i in range(0, 8, 2)}  # passages 0, 2, 4, 6
    await library.save(entry("a.txt", title="A", n=8, tropes=angst, chars=izuku))
    await library.save(entry("gone.txt", title="Gone", n=5, tropes=angst, chars=izuku))
    await library.save(entry("b.txt", title="B", n=3, tropes=angst, chars={1: {"midoriya izuku"}}))
    await library.save(entry("other.txt", title="Other", n=4, chars=izuku))  # no trope
    await library.save(entry("up", guild=9, title="Elsewhere", n=6, tropes=angst, chars=izuku))
    await library.save(entry("b.txt", title="B", n=4, tropes=angst, chars={1: {"Midoriya Izuku"}}))
    [gone] = [n.id for n in await library.story_names(0) if n.title == "Gone"]
    await library.remove([gone])

    filt = {
        "trope": PassageFilter(trope="angst"),
        "character": PassageFilter(character="Midoriya Izuku"),
        "trope+character": PassageFilter(trope="angst", character="Midoriya Izuku"),
    }[how]
    expected = await library.db.fetchall(
        "SELECT p.id, s.title FROM passages p JOIN stories s ON s.id = p.story_id"
        " WHERE s.guild_id = 0 AND (? = 'character' OR s.title IN ('A', 'B'))"
        " AND (? = 'trope' OR EXISTS (SELECT 1 FROM passage_characters c"
        "  WHERE c.passage_id = p.id AND c.character = 'Midoriya Izuku'))",
        (how, how),
    )
    wanted = {r[0] for r in expected}
    assert len(wanted) == {"trope": 12, "character": 7, "trope+character": 5}[how]
    rng = random.Random(7)
    counts: Counter[int] = Counter()
    for _ in range(300 * len(wanted)):
        p = await library.random_passage(0, filt, OPEN, rng)
        assert p is not None
        counts[p.id] += 1
    assert set(counts) == wanted  # nothing from the deleted story, other guilds or non-matches
    assert max(counts.values()) / min(counts.values()) < 1.5


@pytest.mark.sqlite_only
async def test_migration_backfills_the_same_slots_as_saving(tmp_path: Path) -> None:
    """A database indexed before migration 005 gets exactly the slots saving would give."""
    path = tmp_path / "old.db"
    db = await Database.open(path)
    library = LibraryStore(db)
    chars = {0: {"Midoriya Izuku"}, 1: {"Midoriya Izuku", "Bakugou Katsuki"}, 3: {"Deku"}}
    await library.save(entry("a.txt", title="A", n=5, tropes=frozenset({"angst"}), chars=chars))
    await library.save(entry("b.txt", title="B", n=3, tropes=frozenset({"angst", "fluff"})))
    await library.save(entry("up", guild=5, title="C", n=4, chars={2: {"midoriya izuku"}}))
    query = "SELECT key, story_id, n, lo FROM sample_slots ORDER BY key, lo"
    saved = [tuple(r) for r in await db.fetchall(query)]
    tops = [tuple(r) for r in await db.fetchall("SELECT key, top FROM sample_tops ORDER BY key")]
    await db.close()
    with sqlite3.connect(path) as conn:  # back to the schema before slots existed
        conn.executescript(
            f"{LATER_TABLES} DROP TABLE sample_slots; DROP TABLE sample_tops;"
            " DROP TABLE removed_stories;"
            " DROP TABLE hidden_passages; DROP TABLE hidden_stories; DROP TABLE passage_warnings;"
            " DROP TABLE report_settings; DROP TABLE button_filters; DROP TABLE reports;"
            " DROP INDEX stories_by_work; ALTER TABLE stories DROP COLUMN work;"
            " ALTER TABLE stories DROP COLUMN subject_mask; PRAGMA user_version = 4;"
        )
    db = await Database.open(path)
    try:
        assert [tuple(r) for r in await db.fetchall(query)] == saved
        assert [
            tuple(r) for r in await db.fetchall("SELECT key, top FROM sample_tops ORDER BY key")
        ] == tops
    finally:
        await db.close()
    assert ("character:midoriya izuku", 1, 2, 1) in saved  # a run of two passages
    assert ("trope:angst", 2, 3, 6) in saved


async def test_save_many_is_all_or_nothing(library: LibraryStore) -> None:
    await library.save(entry("a.txt", n=3))
    broken = entry("c.txt", n=2)
    broken.passages.append(broken.passages[0].__class__(1, 1, 1, 1, None, frozenset(), frozenset()))  # type: ignore[arg-type]
    with pytest.raises(statement_errors()):
        await library.save_many([entry("a.txt", n=6), entry("b.txt"), broken])
    assert await library.stats() == (1, 3)  # a.txt as it was, b.txt not added
    ids = await library.save_many(
        [entry("a.txt", n=6, tropes=frozenset({"new-trope"})), entry("b.txt")]
    )
    assert len(set(ids)) == 2
    assert await library.stats() == (2, 10)
    p = await library.random_passage(0, PassageFilter(trope="new-trope"), OPEN, random.Random(1))
    assert p is not None and p.story_id == ids[0]
    with pytest.raises(ValueError, match="one entry per file"):  # before anything is written
        await library.save_many([entry("c.txt"), entry("c.txt", n=2)])
    assert await library.stats() == (2, 10)


async def test_query_draws_by_rank_are_uniform(
    library: LibraryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many matches: drawn by rank through remembered rowids (a tiny stride here)."""
    import bot.store.library as store

    monkeypatch.setattr(store, "_LIST_MATCHES_UNDER", 0)
    monkeypatch.setattr(store, "_MATCH_STRIDE", 3)
    for i in range(7):  # each story's first passage says "lantern": 7 matches
        await library.save(entry(f"s{i}.txt", title=f"S{i}", n=3))
    await library.save(entry("up", guild=4, title="Elsewhere", n=3))  # matches, not visible
    rng = random.Random(5)
    counts: Counter[int] = Counter()
    for _ in range(2100):
        p = await library.random_passage(0, PassageFilter(query="lantern"), OPEN, rng)
        assert p is not None and p.text.endswith("lantern") and not p.text.startswith("Else")
        counts[p.id] += 1
    assert len(counts) == 7
    assert max(counts.values()) / min(counts.values()) < 1.4


async def test_find_stories_by_a_declared_character_named_in_no_passage(
    library: LibraryStore,
) -> None:
    named = dataclasses.replace(
        entry("named.txt", title="Named", chars={0: {"Yang Wenli"}}), characters=["Yang Wenli"]
    )
    declared = dataclasses.replace(
        entry("declared.txt", title="Declared"), characters=["Yang Wenli", "Staden (LOGH)"]
    )
    other = dataclasses.replace(entry("up", guild=7, title="Elsewhere"), characters=["Yang Wenli"])
    for e in (named, declared, other):
        await library.save(e)
    found = await library.find_stories(0, character="yang wenli")
    assert {s.title for s in found} == {"Named", "Declared"}
    assert [s.title for s in await library.find_stories(0, character="STADEN (LOGH)")] == [
        "Declared"
    ]
    assert await library.story_characters(0) == ["Yang Wenli", "Staden (LOGH)"]
    await library.save(dataclasses.replace(entry("new.txt"), characters=["Honoroit Banlardois"]))
    assert "Honoroit Banlardois" in await library.story_characters(0)  # no stale cache


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("url", "work"),
    [
        ("https://archiveofourown.org/works/218676", "ao3:218676"),
        ("http://archiveofourown.org/works/41588007/chapters/99", "ao3:41588007"),
        ("https://www.archiveofourown.org/works/5?view_full_work=true", "ao3:5"),
        ("https://example.com/works/12", None),
        (None, None),
    ],
)
async def test_migration_reads_the_work_from_old_rows_as_indexing_does(
    tmp_path: Path, url: str | None, work: str | None
) -> None:
    """Stories stored before migration 006 get the `work` that indexing gives new ones."""
    path = tmp_path / "old.db"
    db = await Database.open(path)
    await LibraryStore(db).save(replace(entry("a.txt", guild=7), url=url))
    await db.close()
    with sqlite3.connect(path) as conn:  # back to the schema before migration 006
        conn.executescript(
            f"{LATER_TABLES} DROP TABLE removed_stories; DROP INDEX stories_by_work;"
            " DROP TABLE hidden_passages; DROP TABLE hidden_stories; DROP TABLE passage_warnings;"
            " DROP TABLE report_settings; DROP TABLE button_filters; DROP TABLE reports;"
            " ALTER TABLE stories DROP COLUMN work; ALTER TABLE stories DROP COLUMN subject_mask;"
            " PRAGMA user_version = 5;"
        )
    db = await Database.open(path)
    try:
        assert await db.scalar("SELECT work FROM stories") == work
    finally:
        await db.close()
    assert work_key(url) == work


async def test_a_parked_story_is_visible_nowhere_until_unparked(library: LibraryStore) -> None:
    story_id = await library.save(entry("up", guild=9, title="Parked", n=3))
    assert await library.park(9, story_id, 1, "2026-01-01T00:00:00.000000+00:00")
    assert await library.story(9, story_id) is None
    assert await library.story_names(9) == []
    assert await library.count_passages(9, PassageFilter()) == 0
    assert await library.count_uploads(9) == 0
    assert not await library.park(9, story_id, 1, "2026-01-01T00:00:01.000000+00:00")
    assert await library.last_parked(8, "2025-12-31T23:59:00.000000+00:00") is None
    assert await library.last_parked(9, "2026-01-01T00:00:00.000001+00:00") is None  # too old
    parked = await library.last_parked(9, "2025-12-31T23:59:00.000000+00:00")
    assert parked is not None and parked.title == "Parked"
    assert await library.unpark(9, story_id)
    assert await library.story(9, story_id) is not None
    assert await library.count_passages(9, PassageFilter()) == 3
    assert not await library.unpark(9, story_id)


async def test_purging_parked_stories_deletes_only_expired_ones(library: LibraryStore) -> None:
    old = await library.save(entry("old", guild=9, title="Old"))
    new = await library.save(entry("new", guild=9, title="New"))
    await library.park(9, old, 1, "2026-01-01T00:00:00.000000+00:00")
    await library.park(9, new, 1, "2026-01-01T00:09:00.000000+00:00")
    assert await library.purge_parked("2026-01-01T00:05:00.000000+00:00") == 1
    assert await library.stats() == (1, 4)
    assert await library.next_parked_expiry() == "2026-01-01T00:09:00.000000+00:00"


async def test_a_story_report_is_read_back_typed(library: LibraryStore) -> None:
    from bot.indexing import prepare, to_entry
    from bot.paths import STORIES_DIR

    path = STORIES_DIR / "the-day-you-left-me.ao3.txt"
    prepared = prepare(path.read_bytes(), path.name, max_bytes=10 * 1024 * 1024)
    built = prepared.report
    story_id = await library.save(
        to_entry(
            prepared, guild_id=0, source=path.name, content_hash="h", file_size=1, file_mtime_ns=1
        )
    )
    story = await library.story(0, story_id)
    assert story is not None
    report = story.report
    assert report.summary == built["summary"]
    assert [(c.number, c.title, c.words) for c in report.chapters] == [
        (c["number"], c["title"], c["words"]) for c in built["chapters"]
    ]
    for typed, raw in ((report.warnings, built["warnings"]), (report.tropes, built["tropes"])):
        assert [(f.slug, f.source, f.confidence, f.learned) for f in typed] == [
            (f["slug"], f["source"], f["confidence"], f.get("method") == "model") for f in raw
        ]
        assert [[(q.chapter, q.line, q.quote) for q in f.evidence] for f in typed] == [
            [(q["chapter"], q["line"], q["quote"]) for q in f["evidence"]] for f in raw
        ]
    assert report.declared == {w["slug"] for w in built["warnings"] if w["source"] == "declared"}
    assert report.declared and report.warning_slugs > report.declared  # declared and detected
    assert list(report.archive_warnings) == built["archive_warnings"]
    assert report.subjects == set(built["subjects"])
