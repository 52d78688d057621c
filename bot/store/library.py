"""Library queries: saving indexed stories and reading them back, guild by guild.

Every read takes the guild: a story is visible in guild g when it is bundled
(guild_id 0) or was uploaded in g. Isolation is enforced here, in SQL, never afterwards.
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.policy import Eligibility
from bot.store.db import Connection, Database, Row, Search, Statement
from bot.store.fts import fts_query
from bot.store.records import (
    BUNDLED,
    FileState,
    PassageRow,
    StoryEntry,
    StoryName,
    StoryRow,
)
from bot.store.reports import hidden_conditions


@dataclass(frozen=True, slots=True)
class PassageFilter:
    """What a reader asked for; every field optional."""

    story_id: int | None = None
    trope: str | None = None
    character: str | None = None
    query: str | None = None


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Why matching passages are not eligible: rated too high, passages carrying a blocked
    warning (by slug), and stories kept out whole because it is their subject (by slug)."""

    over: int
    by_warning: dict[str, int]
    by_subject: dict[str, int]


_PROBE_ROUNDS = (64, 512)  # probes per round before listing the candidates instead
_LIST_MATCHES_UNDER = 2000  # a full-text query with fewer matches is listed, not probed
_MATCH_STRIDE = 500  # every 500th match of a full-text query is remembered for rank seeks
_KEPT_MATCH_IDS = 4_000_000  # at most this many remembered ids in all (8 bytes each)


_Probe = tuple[str, tuple[object, ...]]  # SQL naming `cand (i, id)`: candidates in draw order


def _numbered(ids: list[int]) -> tuple[str, tuple[object, ...]]:
    """A VALUES list of (draw order, id) pairs and its parameters."""
    return ",".join("(CAST(? AS BIGINT), CAST(? AS BIGINT))" for _ in ids), tuple(
        x for i, v in enumerate(ids) for x in (i, v)
    )


class _Span:
    """A contiguous range of passage ids: a story's, or the whole table."""

    rounds = _PROBE_ROUNDS

    def __init__(self, lo: int, size: int) -> None:
        self.lo, self.size = lo, size

    def probe(self, rng: random.Random, tries: int) -> _Probe:
        values, params = _numbered([self.lo + rng.randrange(self.size) for _ in range(tries)])
        return f"cand (i, id) AS (VALUES {values})", params

    def listing(self) -> tuple[str, tuple[object, ...]]:
        return "passages p", ()


class _FtsMatches:
    """The passages matching a full-text query, addressed by rank. FTS5 has no random
    access by rank, so every STRIDE-th matching rowid is kept (`marks`): the r-th match is
    a seek to marks[r // STRIDE] and a short skip. Few matches are simply listed. Where a
    seek costs a pass over every match (a GIN index: `Search.seeks` false), every matching
    id is kept instead (stride 1), and the candidates are those ids themselves."""

    def __init__(self, search: Search, match: str, size: int, marks: Sequence[int]) -> None:
        self.search, self.match, self.size, self.marks = search, match, size, marks
        self.rounds = (4, 16) if size > _LIST_MATCHES_UNDER else ()

    def probe(self, rng: random.Random, tries: int) -> _Probe:
        """The same ranks for the same draws either way, so both backends draw alike."""
        if not self.search.seeks:
            ids, known = _numbered([self.marks[rng.randrange(self.size)] for _ in range(tries)])
            return f"cand (i, id) AS (VALUES {ids})", known
        seeks: list[str] = []
        params: list[object] = []
        s = self.search
        for i in range(tries):
            mark, skip = divmod(rng.randrange(self.size), _MATCH_STRIDE)
            seeks.append(
                f"SELECT {i}, (SELECT f.{s.id} FROM {s.table} f WHERE {s.cond('f')}"
                f" AND f.{s.id} >= ? ORDER BY f.{s.id} LIMIT 1 OFFSET ?)"
            )
            params += [self.match, self.marks[mark], skip]
        return f"cand (i, id) AS ({' UNION ALL '.join(seeks)})", tuple(params)

    def listing(self) -> tuple[str, tuple[object, ...]]:
        s = self.search
        return f"{s.table} f JOIN passages p ON p.id = f.{s.id} AND {s.cond('f')}", (self.match,)


class _Slots:
    """The sampling slots of one trope or character (see migration 005)."""

    rounds = _PROBE_ROUNDS

    def __init__(self, key: str, size: int) -> None:
        self.key, self.size = key, size

    def probe(self, rng: random.Random, tries: int) -> _Probe:
        """Passage ids for `tries` random slots, in draw order (holes dropped)."""
        values, params = _numbered([rng.randrange(self.size) for _ in range(tries)])
        sql = (
            f"probe (i, r) AS (VALUES {values}), cand (i, id) AS"
            " (SELECT probe.i, s.lo + probe.r - s.start FROM probe JOIN sample_slots s"
            " ON s.key = ? AND s.start = (SELECT max(start) FROM sample_slots"
            "  WHERE key = ? AND start <= probe.r) WHERE probe.r < s.start + s.n)"
        )
        return sql, (*params, self.key, self.key)

    def listing(self) -> tuple[str, tuple[object, ...]]:
        return (
            "sample_slots s JOIN passages p ON s.key = ? AND p.id BETWEEN s.lo AND s.lo + s.n - 1",
            (self.key,),
        )


_Driver = _Span | _Slots | _FtsMatches
_PASSAGE_COLUMNS = "p.id, p.story_id, p.chapter, p.first_line, p.last_line, p.text, p.warn_mask"


class LibraryStore:
    """Typed access to stories and passages."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._bits: dict[str, dict[str, int]] = {}
        self.generation = 0  # bumped on every write, so caches know when to refresh
        self._match_marks: dict[tuple[str, int], tuple[int, Sequence[int]]] = {}
        self._story_characters: dict[tuple[int, int], list[str]] = {}

    # -- vocabulary bits ------------------------------------------------------------------

    async def bits(self, kind: str) -> dict[str, int]:
        if kind not in self._bits:
            rows = await self.db.fetchall("SELECT slug, bit FROM vocab WHERE kind = ?", (kind,))
            self._bits[kind] = {r["slug"]: r["bit"] for r in rows}
        return self._bits[kind]

    async def mask(self, kind: str, slugs: Iterable[str]) -> int:
        """Bit mask of known slugs (unknown slugs match nothing stored, so add no bit)."""
        bits = await self.bits(kind)
        out = 0
        for slug in slugs:
            if slug in bits:
                out |= 1 << bits[slug]
        return out

    async def _ensure_bits(self, kind: str, slugs: Iterable[str]) -> dict[str, int]:
        """Assign bits to new slugs; call inside a transaction."""
        bits = dict(await self.bits(kind))
        for slug in sorted(set(slugs) - bits.keys()):
            bit = len(bits)
            if bit > 62:
                raise ValueError(f"too many {kind} slugs for a 63-bit mask")
            await self.db.conn.execute(
                "INSERT INTO vocab (kind, slug, bit) VALUES (?, ?, ?)", (kind, slug, bit)
            )
            bits[slug] = bit
        return bits

    # -- writing --------------------------------------------------------------------------

    async def file_states(self, guild_id: int = BUNDLED) -> dict[str, FileState]:
        rows = await self.db.fetchall(
            "SELECT id, source, content_hash, file_size, file_mtime_ns, index_version, work,"
            " title FROM stories WHERE guild_id = ?",
            (guild_id,),
        )
        return {
            r["source"]: FileState(
                r["id"],
                r["content_hash"],
                r["file_size"],
                r["file_mtime_ns"],
                r["index_version"],
                r["work"],
                r["title"],
            )
            for r in rows
        }

    async def find_by_hash(self, guild_id: int, content_hash: str) -> StoryName | None:
        """A story with this content visible in the guild (bundled or its own upload)."""
        row = await self.db.fetchone(
            "SELECT id, guild_id, title, authors FROM stories "
            "WHERE guild_id IN (0, ?) AND content_hash = ? LIMIT 1",
            (guild_id, content_hash),
        )
        return _name(row) if row else None

    async def find_by_work(self, guild_id: int, work: str) -> StoryName | None:
        """A story of this work (StoryEntry.work) visible in the guild."""
        row = await self.db.fetchone(
            "SELECT id, guild_id, title, authors FROM stories "
            "WHERE guild_id IN (0, ?) AND work = ? ORDER BY guild_id LIMIT 1",
            (guild_id, work),
        )
        return _name(row) if row else None

    async def save(self, entry: StoryEntry) -> int:
        """Replace the story stored for (guild, source) by `entry`, atomically."""
        return (await self.save_many([entry]))[0]

    async def save_many(self, entries: list[StoryEntry]) -> list[int]:
        """Replace several stories in one transaction (one commit instead of one per file:
        indexing a folder writes in batches); all of them are saved, or none is. Each
        entry is another file: a passage replaced before its search rows were written
        would be taken out of a search index it is not in yet."""
        if len({(e.guild_id, e.source) for e in entries}) < len(entries):
            raise ValueError("save_many takes one entry per file")
        fill = self.db.dialect.passages.fill
        try:
            async with self.db.transaction() as conn:
                ids, firsts = [], []
                for entry in entries:
                    story_id, first = await self._save_in(conn, entry)
                    ids.append(story_id)
                    firsts.append(first)
                if fill is not None:  # one statement for the batch: cheaper than one a story
                    await conn.executemany(
                        fill,
                        [
                            (first + seq, p.text)
                            for entry, first in zip(entries, firsts, strict=True)
                            for seq, p in enumerate(entry.passages)
                        ],
                    )
        except BaseException:
            self._bits.clear()  # bits assigned in the rolled-back transaction are gone
            raise
        self.generation += 1
        return ids

    async def _save_in(self, conn: Connection, entry: StoryEntry) -> tuple[int, int]:
        """The writes of `save` but for the passages' search rows, inside the caller's
        transaction: the story's id and its first passage's."""
        wbits = await self._ensure_bits(
            "warning",
            entry.warnings | entry.subjects | {w for p in entry.passages for w in p.warnings},
        )
        tbits = await self._ensure_bits("trope", entry.tropes)
        self._bits["warning"], self._bits["trope"] = wbits, tbits
        await conn.execute(
            "DELETE FROM stories WHERE guild_id = ? AND source = ?",
            (entry.guild_id, entry.source),
        )
        declared = _mask(wbits, entry.declared)
        subjects = _mask(wbits, entry.subjects)
        tropes = _mask(tbits, entry.tropes)
        added = await conn.execute_fetchall(
            "INSERT INTO stories (guild_id, source, content_hash, file_size, file_mtime_ns,"
            " index_version, format, title, authors, fandoms, relationships, characters,"
            " tags, summary, language, url, rating, rating_rank, rating_source, words,"
            " warn_mask, declared_mask, subject_mask, trope_mask, report, added_by, work,"
            " added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
            f" {self.db.dialect.now}) RETURNING id",
            (
                entry.guild_id,
                entry.source,
                entry.content_hash,
                entry.file_size,
                entry.file_mtime_ns,
                entry.index_version,
                entry.format,
                entry.title,
                json.dumps(entry.authors),
                json.dumps(entry.fandoms),
                json.dumps(entry.relationships),
                json.dumps(entry.characters),
                json.dumps(entry.tags),
                entry.summary,
                entry.language,
                entry.url,
                entry.rating,
                entry.rating_rank,
                entry.rating_source,
                entry.words,
                _mask(wbits, entry.warnings),
                declared,
                subjects,
                tropes,
                json.dumps(entry.report, ensure_ascii=False),
                entry.added_by,
                entry.work,
            ),
        )
        story_id = int(added[0][0])
        await conn.execute(
            "INSERT INTO story_fts (rowid, title, authors, tags, characters, fandoms)"
            " VALUES (?,?,?,?,?,?)",
            (
                story_id,
                entry.title,
                " ".join(entry.authors),
                " ".join(entry.tags + entry.relationships),
                " ".join(entry.characters),
                " ".join(entry.fandoms),
            ),
        )
        first = await self.db.count("SELECT coalesce(max(id), 0) FROM passages") + 1
        await conn.executemany(
            "INSERT INTO passages (id, story_id, guild_id, seq, chapter, first_line,"
            " last_line, words, rating_rank, warn_mask, trope_mask, text)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    first + seq,
                    story_id,
                    entry.guild_id,
                    seq,
                    p.chapter,
                    p.first_line,
                    p.last_line,
                    p.words,
                    entry.rating_rank,
                    declared | subjects | _mask(wbits, p.warnings),
                    tropes,
                    p.text,
                )
                for seq, p in enumerate(entry.passages)
            ],
        )
        await conn.executemany(
            "INSERT INTO passage_characters (character, passage_id) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            [(name, first + seq) for seq, p in enumerate(entry.passages) for name in p.characters],
        )
        await self._add_slots(story_id, entry, first)
        return story_id, first

    async def _add_slots(self, story_id: int, entry: StoryEntry, first: int) -> None:
        """Give the story's passages sampling slots under its tropes and characters."""
        runs: dict[str, list[tuple[int, int]]] = {  # key -> [(first passage id, length)]
            trope_key(t): [(first, len(entry.passages))] for t in entry.tropes
        }
        for seq, p in enumerate(entry.passages):
            for key in {character_key(name) for name in p.characters}:
                mine = runs.setdefault(key, [])
                lo, n = mine[-1] if mine else (0, 0)
                if mine and lo + n == first + seq:
                    mine[-1] = (lo, n + 1)
                else:
                    mine.append((first + seq, 1))
        if not entry.passages or not runs:
            return
        keys = sorted(runs)
        marks = ",".join("?" * len(keys))
        rows = await self.db.fetchall(
            f"SELECT key, top FROM sample_tops WHERE key IN ({marks})", keys
        )
        tops = {r[0]: r[1] for r in rows}
        slots: list[tuple[str, int, int, int, int]] = []
        for key in keys:
            top = tops.get(key, 0)
            for lo, n in runs[key]:
                slots.append((key, top, story_id, n, lo))
                top += n
            tops[key] = top
        await self.db.conn.executemany(
            "INSERT INTO sample_slots (key, start, story_id, n, lo) VALUES (?,?,?,?,?)", slots
        )
        await self.db.conn.executemany(
            "INSERT INTO sample_tops (key, top) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET top = excluded.top",
            [(k, tops[k]) for k in keys],
        )

    async def touch(self, story_id: int, file_size: int, file_mtime_ns: int) -> None:
        """Remember a new size/mtime for a file whose content did not change."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE stories SET file_size = ?, file_mtime_ns = ? WHERE id = ?",
                (file_size, file_mtime_ns, story_id),
            )

    async def remove(self, story_ids: Iterable[int]) -> int:
        """Delete stories (and, by cascade, their passages). Returns how many went."""
        ids = list(story_ids)
        if not ids:
            return 0
        async with self.db.transaction() as conn:
            await conn.executemany("DELETE FROM stories WHERE id = ?", [(i,) for i in ids])
        self.generation += 1
        return len(ids)

    # -- removal with undo (see migration 006) ---------------------------------------------

    async def park(self, guild_id: int, story_id: int, by: int | None, at: str) -> bool:
        """Remove one of the guild's uploads, keeping it for `unpark` (at: ISO time).
        False if it is not one of the guild's uploads (any more)."""
        if guild_id <= BUNDLED:
            raise ValueError("only a server's uploads can be parked")
        async with self.db.transaction() as conn:
            parked = await conn.execute(
                "UPDATE stories SET guild_id = -guild_id WHERE id = ? AND guild_id = ?",
                (story_id, guild_id),
            )
            if parked == 0:
                return False
            await conn.execute(
                "UPDATE passages SET guild_id = -guild_id WHERE story_id = ?", (story_id,)
            )
            await conn.execute(
                "INSERT INTO removed_stories (story_id, guild_id, removed_by, removed_at)"
                " VALUES (?, ?, ?, ?)",
                (story_id, guild_id, by, at),
            )
        self.generation += 1
        return True

    async def last_parked(self, guild_id: int, since: str) -> StoryRow | None:
        """The guild's most recently parked story, if parked at or after `since`."""
        row = await self.db.fetchone(
            "SELECT s.* FROM removed_stories r JOIN stories s ON s.id = r.story_id"
            " WHERE r.guild_id = ? AND r.removed_at >= ?"
            " ORDER BY r.removed_at DESC, r.story_id DESC LIMIT 1",
            (guild_id, since),
        )
        return StoryRow.from_row(row) if row else None

    async def visible_twin(self, guild_id: int, story_id: int) -> StoryName | None:
        """A story visible in the guild with the same content or work as `story_id`."""
        row = await self.db.fetchone(
            "SELECT t.id, t.guild_id, t.title, t.authors FROM stories s JOIN stories t"
            " ON t.guild_id IN (0, ?) AND t.id != s.id AND (t.content_hash = s.content_hash"
            " OR (s.work IS NOT NULL AND t.work = s.work)) WHERE s.id = ? LIMIT 1",
            (guild_id, story_id),
        )
        return _name(row) if row else None

    async def unpark(self, guild_id: int, story_id: int) -> bool:
        """Bring a parked story back into the guild's library."""
        async with self.db.transaction() as conn:
            restored = await conn.execute(
                "DELETE FROM removed_stories WHERE story_id = ? AND guild_id = ?",
                (story_id, guild_id),
            )
            if restored == 0:
                return False
            await conn.execute("UPDATE stories SET guild_id = ? WHERE id = ?", (guild_id, story_id))
            await conn.execute(
                "UPDATE passages SET guild_id = ? WHERE story_id = ?", (guild_id, story_id)
            )
        self.generation += 1
        return True

    async def purge_parked(self, before: str) -> int:
        """Delete the stories parked before `before` (an ISO time), in every guild."""
        async with self.db.transaction() as conn:
            purged = await conn.execute(
                "DELETE FROM stories WHERE id IN"
                " (SELECT story_id FROM removed_stories WHERE removed_at < ?)",
                (before,),
            )
        if purged:
            self.generation += 1
        return purged

    async def next_parked_expiry(self) -> str | None:
        """When the earliest parked story was parked (None: nothing parked)."""
        value = await self.db.scalar("SELECT min(removed_at) FROM removed_stories")
        return value if isinstance(value, str) else None

    # -- reading --------------------------------------------------------------------------

    async def story_names(self, guild_id: int, *, uploads_only: bool = False) -> list[StoryName]:
        """Stories visible in the guild (or only its uploads), by title."""
        where = "guild_id = ?" if uploads_only else "guild_id IN (0, ?)"
        rows = await self.db.fetchall(
            f"SELECT id, guild_id, title, authors FROM stories WHERE {where} ORDER BY title",
            (guild_id,),
        )
        return [_name(r) for r in rows]

    async def count_uploads(self, guild_id: int) -> int:
        return await self.db.count("SELECT count(*) FROM stories WHERE guild_id = ?", (guild_id,))

    async def story(self, guild_id: int, story_id: int) -> StoryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM stories WHERE id = ? AND guild_id IN (0, ?)", (story_id, guild_id)
        )
        return StoryRow.from_row(row) if row else None

    async def stats(self, guild_id: int | None = None) -> tuple[int, int]:
        """(stories, passages), for one guild's visible library or the whole index."""
        if guild_id is None:
            row = await self.db.fetchone(
                "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM passages)"
            )
        else:
            row = await self.db.fetchone(  # passages counted through the (story_id, seq) index
                "SELECT count(*), (SELECT count(*) FROM passages WHERE story_id IN"
                " (SELECT id FROM stories WHERE guild_id IN (0, ?)))"
                " FROM stories WHERE guild_id IN (0, ?)",
                (guild_id, guild_id),
            )
        assert row is not None
        return int(row[0]), int(row[1])

    async def _where(
        self,
        guild_id: int,
        filt: PassageFilter,
        elig: Eligibility | None,
        query: Literal["in", "exists", "omit"] = "in",
    ) -> tuple[list[str], list[object]] | None:
        """SQL conditions on `passages p`; None when the filter can match nothing."""
        where: list[str] = ["p.guild_id IN (0, ?)"]
        params: list[object] = [guild_id]
        if elig is not None:
            where += ["p.rating_rank <= ?", "(p.warn_mask & ?) = 0"]
            params += [elig.max_rank, await self.mask("warning", elig.blocked)]
            hidden, hidden_params = hidden_conditions(guild_id)  # this server's reports
            where += hidden
            params += hidden_params
        if filt.story_id is not None:
            where.append("p.story_id = ?")
            params.append(filt.story_id)
        if filt.trope:
            bit = (await self.bits("trope")).get(filt.trope)
            if bit is None:
                return None
            where.append("(p.trope_mask & ?) != 0")
            params.append(1 << bit)
        if filt.character:  # EXISTS: probed per row, never materialised
            where.append(
                "EXISTS (SELECT 1 FROM passage_characters c"
                f" WHERE {self.db.dialect.name_is('c.character')} AND c.passage_id = p.id)"
            )
            params.append(filt.character)
        if filt.query is not None:
            match = fts_query(filt.query)
            if match is None:
                return None
            if query != "omit":  # last: the costliest test. "in" suits scans, "exists" probes
                s = self.db.dialect.passages
                where.append(
                    f"p.id IN (SELECT f.{s.id} FROM {s.table} f WHERE {s.cond('f')})"
                    if query == "in"
                    else f"EXISTS (SELECT 1 FROM {s.table} f"
                    f" WHERE {s.cond('f')} AND f.{s.id} = p.id)"
                )
                params.append(match)
        return where, params

    async def random_passage(
        self, guild_id: int, filt: PassageFilter, elig: Eligibility, rng: random.Random
    ) -> PassageRow | None:
        """A passage drawn uniformly from those visible, eligible and matching `filt`.

        Rejection sampling over a dense slot range (no scan): the story's passage ids, a
        trope's or character's sampling slots (whichever is smallest), else every passage
        id. Each matching passage owns exactly one slot, so the first probe (in draw order)
        that passes every condition is a uniform draw. When probes keep missing (a very
        selective combination) the candidates are listed through the same driver instead.
        """
        driver = await self._driver(filt)
        if driver is None:
            return None
        matched = isinstance(driver, _FtsMatches)  # candidates match the query already
        built = await self._where(guild_id, filt, elig, "omit" if matched else "exists")
        if built is None:
            return None
        where, params = built
        cond = " AND ".join(where)
        for tries in driver.rounds:
            # one round trip: the first candidate (in draw order, which keeps the draw
            # uniform) that passes every condition, read whole
            cand, cand_params = driver.probe(rng, tries)
            row = await self.db.fetchone(  # the row is read once, not for every candidate
                f"SELECT {_PASSAGE_COLUMNS} FROM passages p WHERE p.id = (WITH {cand}"
                f" SELECT p.id FROM cand {self.db.dialect.probe_join} passages p ON p.id = cand.id"
                f" WHERE {cond} ORDER BY cand.i LIMIT 1)",
                (*cand_params, *params),
            )
            if row is not None:
                return await self._passage_row(row)
        built = await self._where(guild_id, filt, elig, "omit" if matched else "in")
        assert built is not None
        where, params = built
        listed, extra = driver.listing()
        rows = await self.db.fetchall(  # in id order: the same draw on either backend
            f"SELECT p.id FROM {listed} WHERE {' AND '.join(where)} ORDER BY p.id",
            (*extra, *params),
        )
        if not rows:
            return None
        return await self.passage(rng.choice(rows)[0])

    async def _driver(self, filt: PassageFilter) -> _Driver | None:
        """The smallest dense slot range covering every passage `filt` can match."""
        options: list[_Driver] = []
        if filt.story_id is not None:
            row = await self.db.fetchone(
                "SELECT min(id), max(id) FROM passages WHERE story_id = ?", (filt.story_id,)
            )
            if row is None or row[0] is None:
                return None
            options.append(_Span(row[0], row[1] - row[0] + 1))
        keys = [trope_key(filt.trope)] if filt.trope else []
        keys += [character_key(filt.character)] if filt.character else []
        for key in keys:
            top = await self.db.count("SELECT top FROM sample_tops WHERE key = ?", (key,))
            if top == 0:
                return None
            options.append(_Slots(key, top))
        match = fts_query(filt.query) if filt.query else None
        if match is not None:
            search = self.db.dialect.passages
            options.append(_FtsMatches(search, match, *await self._match_index(match)))
        if not options:  # unfiltered: every passage id
            top = await self.db.count("SELECT coalesce(max(id), 0) FROM passages")
            if top == 0:
                return None
            options.append(_Span(1, top))
        return min(options, key=lambda d: d.size)

    async def _match_index(self, match: str) -> tuple[int, Sequence[int]]:
        """(matches in any guild, every STRIDE-th matching rowid, or every one where the
        index cannot seek) of a full-text query, cached per library state: one pass over
        the query's matches, in the database."""
        key = (match, self.generation)
        if key not in self._match_marks:
            kept = sum(len(marks) for _size, marks in self._match_marks.values())
            if len(self._match_marks) > 256 or kept > _KEPT_MATCH_IDS:
                self._match_marks.clear()
            s = self.db.dialect.passages
            if not s.seeks:
                rows = await self.db.fetchall(
                    f"SELECT f.{s.id} FROM {s.table} f WHERE {s.cond('f')} ORDER BY f.{s.id}",
                    (match,),
                )
                ids = array("q", (r[0] for r in rows))
                self._match_marks[key] = (len(ids), ids)
                return self._match_marks[key]
            size = await self.db.count(
                f"SELECT count(*) FROM {s.table} f WHERE {s.cond('f')}", (match,)
            )
            rows = await self.db.fetchall(
                f"SELECT id FROM (SELECT f.{s.id} AS id, row_number() OVER (ORDER BY f.{s.id})"
                f" - 1 AS rank FROM {s.table} f WHERE {s.cond('f')}) m WHERE rank % ? = 0"
                " ORDER BY id",
                (match, _MATCH_STRIDE),
            )
            self._match_marks[key] = (size, array("q", (r[0] for r in rows)))
        return self._match_marks[key]

    async def count_passages(
        self, guild_id: int, filt: PassageFilter, elig: Eligibility | None = None
    ) -> int:
        built = await self._where(guild_id, filt, elig)
        if built is None:
            return 0
        where, params = built
        return await self.db.count(
            f"SELECT count(*) FROM passages p WHERE {' AND '.join(where)}", params
        )

    async def exclusions(self, guild_id: int, filt: PassageFilter, elig: Eligibility) -> Exclusions:
        """Of the passages matching `filt`: how many are rated above the channel's maximum,
        per blocked warning how many carry it, and per blocked warning how many stories are
        kept out whole because it is their subject (one scan, only on the no-match path)."""
        built = await self._where(guild_id, filt, None)
        bits = await self.bits("warning")
        blocked = sorted(s for s in elig.blocked if s in bits)
        if built is None:
            return Exclusions(0, {}, {})
        where, params = built
        sums = ["coalesce(sum(CASE WHEN p.rating_rank > ? THEN 1 ELSE 0 END), 0)"]
        carried = (
            "coalesce(sum(CASE WHEN (p.warn_mask & ?) != 0 AND (st.subject_mask & ?) = 0"
            " THEN 1 ELSE 0 END), 0)"
        )
        sums += [carried] * len(blocked)
        sums += ["count(DISTINCT CASE WHEN (st.subject_mask & ?) != 0 THEN st.id END)"] * len(
            blocked
        )
        masks = [1 << bits[s] for s in blocked]
        row = await self.db.fetchone(
            f"SELECT {', '.join(sums)} FROM passages p JOIN stories st ON st.id = p.story_id"
            f" WHERE {' AND '.join(where)}",
            (elig.max_rank, *(m for m in masks for _ in (0, 1)), *masks, *params),
        )
        assert row is not None
        values = tuple(row)
        passages = values[1 : 1 + len(blocked)]
        stories = values[1 + len(blocked) :]
        return Exclusions(
            int(values[0]),
            {slug: int(n) for slug, n in zip(blocked, passages, strict=True) if n},
            {slug: int(n) for slug, n in zip(blocked, stories, strict=True) if n},
        )

    async def passage(self, passage_id: int) -> PassageRow | None:
        row = await self.db.fetchone(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p WHERE p.id = ?", (passage_id,)
        )
        return None if row is None else await self._passage_row(row)

    async def _passage_row(self, row: Row) -> PassageRow:
        bits = await self.bits("warning")
        mask = row["warn_mask"]
        warnings = frozenset(s for s, b in bits.items() if mask >> b & 1)
        return PassageRow(
            row["id"],
            row["story_id"],
            row["chapter"],
            row["first_line"],
            row["last_line"],
            row["text"],
            warnings,
        )

    async def find_stories(
        self,
        guild_id: int,
        *,
        query: str | None = None,
        trope: str | None = None,
        character: str | None = None,
        exclude: Iterable[str] = (),
        max_rank: int | None = None,
        limit: int = 10,
    ) -> list[StoryRow]:
        """Stories visible in the guild matching every given criterion, best match first."""
        where: list[str] = ["s.guild_id IN (0, ?)"]
        params: list[object] = [guild_id]
        order = "s.title"
        if query is not None:
            match = fts_query(query)
            if match is None:
                return []
            st, ps = self.db.dialect.stories, self.db.dialect.passages
            where.append(
                f"(s.id IN (SELECT f.{st.id} FROM {st.table} f WHERE {st.cond('f')})"
                " OR s.id IN (SELECT p.story_id FROM passages p WHERE p.id IN"
                f" (SELECT f.{ps.id} FROM {ps.table} f WHERE {ps.cond('f')})))"
            )
            params += [match, match]
        if trope:
            bit = (await self.bits("trope")).get(trope)
            if bit is None:
                return []
            where.append("(s.trope_mask & ?) != 0")
            params.append(1 << bit)
        if character:  # named in a passage, or declared by the story
            where.append(
                "(s.id IN (SELECT p.story_id FROM passages p JOIN passage_characters c"
                f" ON c.passage_id = p.id WHERE {self.db.dialect.name_is('c.character')})"
                f" OR EXISTS (SELECT 1 FROM {self.db.dialect.items('s.characters', 'j')}"
                f" WHERE {self.db.dialect.name_is('j.value')}))"
            )
            params += [character, character]
        excluded = await self.mask("warning", exclude)
        if excluded:
            where.append("(s.warn_mask & ?) = 0")
            params.append(excluded)
        if max_rank is not None:
            where.append("s.rating_rank <= ?")
            params.append(max_rank)
        rows = await self.db.fetchall(
            f"SELECT s.* FROM stories s WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
            (*params, limit),
        )
        return [StoryRow.from_row(r) for r in rows]

    async def characters(self, guild_id: int) -> list[str]:
        """Every character name appearing in a passage visible in the guild."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT c.character FROM passage_characters c JOIN passages p"
            " ON p.id = c.passage_id WHERE p.guild_id IN (0, ?)",
            (guild_id,),
        )
        return [r[0] for r in rows]

    async def story_characters(self, guild_id: int) -> list[str]:
        """Every character name of a story visible in the guild (its declared characters,
        else those detected), most common first: what a character option may stand for.
        Cached per library state."""
        key = (guild_id, self.generation)
        if key not in self._story_characters:
            if len(self._story_characters) > 256:
                self._story_characters.clear()
            rows = await self.db.fetchall(
                "SELECT j.value, count(*) AS n FROM stories s,"
                f" {self.db.dialect.items('s.characters', 'j')}"
                " WHERE s.guild_id IN (0, ?) GROUP BY j.value ORDER BY n DESC, j.value",
                (guild_id,),
            )
            self._story_characters[key] = [r[0] for r in rows]
        return self._story_characters[key]

    def purged(self) -> None:
        """A server's stories were deleted (`purge_statements`): caches must refresh."""
        self.generation += 1


def purge_statements(guild_id: int) -> list[Statement]:
    """Deleting every story uploaded in the server (passages and slots go by cascade)."""
    if guild_id == BUNDLED:
        raise ValueError("refusing to purge the bundled library")
    # -guild_id: the server's parked removals
    return [("DELETE FROM stories WHERE guild_id IN (?, ?)", (guild_id, -guild_id))]


def _mask(bits: dict[str, int], slugs: Iterable[str]) -> int:
    out = 0
    for slug in slugs:
        out |= 1 << bits[slug]
    return out


def _name(row: object) -> StoryName:
    r = row  # a Row
    return StoryName(r["id"], r["guild_id"], r["title"], json.loads(r["authors"]))  # type: ignore[index]


async def prompt_sources(
    library: LibraryStore, guild_id: int, elig: Eligibility | None
) -> list[tuple[list[str], list[str], list[str]]]:
    """(fandoms, characters, relationships) of each story visible (and eligible) in the guild."""
    where: list[str] = ["guild_id IN (0, ?)"]
    params: list[object] = [guild_id]
    if elig is not None:
        where += ["rating_rank <= ?", "(declared_mask & ?) = 0", "(warn_mask & ?) = 0"]
        params += [elig.max_rank, await library.mask("warning", elig.blocked)]
        params.append(await library.mask("warning", elig.story_blocked))
    rows = await library.db.fetchall(
        f"SELECT fandoms, characters, relationships FROM stories WHERE {' AND '.join(where)}",
        params,
    )
    return [
        (json.loads(r["fandoms"]), json.loads(r["characters"]), json.loads(r["relationships"]))
        for r in rows
    ]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def trope_key(slug: str) -> str:
    """The sampling key of a trope."""
    return f"trope:{slug}"


def character_key(name: str) -> str:
    """The sampling key of a character: lower case as SQLite's lower() and NOCASE fold it."""
    return f"character:{name.translate(_ASCII_LOWER)}"
