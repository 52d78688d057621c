"""`ficshelf index` throughput: index_paths over generated story files, beside a bare
stdlib-sqlite3 executemany of the same passages into the same (migrated) schema.

The baseline is the one the goal was set against: the executemany with passage_fts kept by
migration 001's insert trigger. Migration 011 dropped that trigger for the store's own fill
(one statement per saved batch); a second bare figure fills passage_fts so, for reference."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.generator import Generator
from bench.measure import Goal, Row
from bot.settings import Settings
from bot.store.db import Database, migrations
from bot.store.library import LibraryStore

GOAL = Goal(">=", 0.5, on="ratio")
MB = 1024 * 1024
_PASSAGE_COLUMNS = (
    "id, story_id, guild_id, seq, chapter, first_line, last_line, words, rating_rank,"
    " warn_mask, trope_mask, text"
)


def write_corpus(folder: Path, passages: int, seed: int = 7) -> int:
    """Generated stories (plain text and AO3 page copies) in `folder`; returns their bytes."""
    gen = Generator(seed)
    total = 0
    for story in gen.stories(passages):
        name, data = gen.file(story)
        (folder / name).write_bytes(data)
        total += len(data)
    return total


# migration 001's trigger: the bare insert's FTS5 rows, one statement per passage
_TRIGGER = (
    "CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN"
    " INSERT INTO passage_fts (rowid, text) VALUES (new.id, new.text); END"
)


def bare_insert(source_db: Path, target: Path, *, trigger: bool = True) -> tuple[float, int]:
    """Seconds to executemany the passages of `source_db` into a fresh migrated file, their
    FTS5 rows added by migration 001's trigger (else by a second executemany)."""
    with sqlite3.connect(source_db) as src:
        stories = src.execute("SELECT * FROM stories").fetchall()
        rows = src.execute(f"SELECT {_PASSAGE_COLUMNS} FROM passages ORDER BY id").fetchall()
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        for _version, _name, sql in migrations():
            conn.executescript(sql)
        if trigger:
            conn.execute(_TRIGGER)
        if stories:
            marks = ",".join("?" * len(stories[0]))
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO stories VALUES ({marks})", stories)
            conn.execute("COMMIT")
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO passages ({_PASSAGE_COLUMNS}) VALUES ({','.join('?' * 12)})", rows
        )
        if not trigger:
            conn.executemany(
                "INSERT INTO passage_fts (rowid, text) VALUES (?, ?)", [(r[0], r[-1]) for r in rows]
            )
        conn.execute("COMMIT")
        return time.perf_counter() - t0, len(rows)
    finally:
        conn.close()


def _read_all(folder: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in sorted(folder.iterdir())]


async def stage_times(folder: Path, db_path: Path, max_bytes: int) -> dict[str, float]:
    """Single-process seconds per stage (read+segment, analyse, save) over the folder."""
    from bot.analysis.analyze import analyze
    from bot.indexing import Prepared, build_report, content_hash, to_entry
    from bot.readers import read_bytes, segment

    spent = {"read+segment": 0.0, "analyze": 0.0, "save": 0.0}
    db = await Database.open(db_path)
    try:
        library = LibraryStore(db)
        for path, data in _read_all(folder):
            t0 = time.perf_counter()
            story = read_bytes(data, path.name, max_bytes=max_bytes)
            passages = segment(story)
            t1 = time.perf_counter()
            analysis = analyze(story, passages)
            t2 = time.perf_counter()
            report = build_report(str(path), story, analysis, passages)
            entry = to_entry(
                Prepared(story, passages, analysis, report),
                guild_id=0,
                source=str(path),
                content_hash=content_hash(data),
                file_size=len(data),
                file_mtime_ns=0,
            )
            await library.save(entry)
            t3 = time.perf_counter()
            spent["read+segment"] += t1 - t0
            spent["analyze"] += t2 - t1
            spent["save"] += t3 - t2
    finally:
        await db.close()
    return spent


def _make_corpus(out_dir: Path, passages: int) -> tuple[Path, Path, int, int]:
    """A temp dir under `out_dir` with the generated stories: (dir, stories, bytes, files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="index-", dir=out_dir))
    corpus = work / "stories"
    corpus.mkdir()
    size = write_corpus(corpus, passages)
    return work, corpus, size, sum(1 for _ in corpus.iterdir())


async def bench_index(out_dir: Path, passages: int, *, stages: bool = True) -> list[Row]:
    """MB/s and passages/s of index_paths (as `ficshelf index` runs it) vs the bare insert."""
    from bot.indexing import index_paths

    work, corpus, size, files = _make_corpus(out_dir, passages)
    try:
        max_bytes = Settings(db_path=work / "x.db", library_dir=corpus).max_file_bytes
        db = await Database.open(work / "index.db")
        try:
            t0 = time.perf_counter()
            summary = await index_paths(
                LibraryStore(db), [corpus], max_bytes=max_bytes, prune_dirs=[corpus]
            )
            seconds = time.perf_counter() - t0
        finally:
            await db.close()
        if summary.failed:
            raise RuntimeError(f"index failed on generated files: {summary.failed[:3]}")
        bare_s, bare_n = bare_insert(work / "index.db", work / "bare.db")
        filled_s, _n = bare_insert(work / "index.db", work / "filled.db", trigger=False)
        mb = size / MB
        note = f"{files} files, {mb:.1f} MB, {summary.passages:,} passages"
        rows = [
            Row(
                "index",
                "index_paths MB/s",
                mb / seconds,
                "MB/s",
                mb / bare_s,
                GOAL,
                note=note,
                detail={
                    "seconds": round(seconds, 3),
                    "bare_seconds": round(bare_s, 3),
                    "files": files,
                    "bytes": size,
                },
            ),
            Row(
                "index",
                "index_paths passages/s",
                summary.passages / seconds,
                "passages/s",
                bare_n / bare_s,
                GOAL,
                note=note,
            ),
            Row(
                "index",
                "index_paths MB/s vs the bare insert without the trigger",
                mb / seconds,
                "MB/s",
                mb / filled_s,
                note="passage_fts filled in one executemany, as the store fills it (no goal)",
            ),
        ]
        if stages:
            spent = await stage_times(corpus, work / "stages.db", max_bytes)
            total = sum(spent.values())
            for stage, s in spent.items():
                rows.append(
                    Row(
                        "index",
                        f"stage {stage} MB/s (1 process)",
                        mb / s,
                        "MB/s",
                        mb / bare_s,
                        note=f"{100 * s / total:.0f} % of single-process time",
                    )
                )
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
