"""/excerpt story: autocomplete latency: `DirectoryService.autocomplete` at library scale."""

from __future__ import annotations

import asyncio
import random
import time

from bench.build import LibraryInfo, warm_file
from bench.measure import Budget, Goal, Row, ms, percentile, sample, size_label
from bot.services.directory import DirectoryService
from bot.store.db import Database
from bot.store.library import LibraryStore

P99_GOAL = Goal("<=", 20.0, unit="ms")
BARE_SQL = (
    "SELECT id, title FROM stories WHERE guild_id IN (0, ?) AND title LIKE ? ESCAPE '\\' "
    "ORDER BY title LIMIT 25"
)


def typed_inputs(titles: list[str], authors: list[str], n: int, seed: int) -> list[str]:
    """What people type: growing prefixes of titles, words from the middle, author names,
    typos, nonsense, and the empty box (as Discord sends it, keystroke by keystroke)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        kind = rng.random()
        title = rng.choice(titles)
        if kind < 0.5:  # typing a title from the start
            stop = rng.randint(1, min(len(title), 24))
            out.extend(title[:i] for i in range(1, stop + 1))
        elif kind < 0.65:  # a word from the middle
            words = title.split()
            out.append(" ".join(words[rng.randrange(len(words)) :][:2]))
        elif kind < 0.75:  # an author
            name = rng.choice(authors)
            out.append(name[: rng.randint(2, len(name))])
        elif kind < 0.9:  # a typo
            chars = list(title[:20])
            if len(chars) > 3:
                i = rng.randrange(len(chars) - 1)
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            out.append("".join(chars))
        elif kind < 0.97:
            out.append("".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=rng.randint(3, 12))))
        else:
            out.append("")
    return out[:n]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def bench_autocomplete(info: LibraryInfo, budget: Budget, seed: int = 2) -> list[Row]:
    """Cold (first call: names loaded) and warm p50/p99, beside a bare LIKE-prefix query."""
    label = size_label(info.passages)
    await asyncio.to_thread(warm_file, info.db)
    db = await Database.open(info.db)
    try:
        library = LibraryStore(db)
        guild = info.reader_guild
        names = await library.story_names(guild)
        inputs = typed_inputs(
            [n.title for n in names], [a for n in names for a in n.authors], max(budget.n, 50), seed
        )
        directory = DirectoryService(library)
        t0 = time.perf_counter()
        await directory.autocomplete(guild, inputs[0])
        cold = time.perf_counter() - t0
        position = 0

        def next_input() -> str:
            nonlocal position
            position += 1
            return inputs[position % len(inputs)]

        async def warm() -> None:
            await directory.autocomplete(guild, next_input())

        async def bare() -> None:
            await db.fetchall(BARE_SQL, (guild, _like(next_input())))

        position = 0
        base = await sample(bare, budget)
        position = 0
        times = await sample(warm, budget)
    finally:
        await db.close()
    stories = f"{len(names):,} stories"
    return [
        Row(
            "autocomplete",
            f"story cold (first call) @{label}",
            ms(cold),
            "ms",
            ms(percentile(base, 50)),
            note=stories,
        ),
        Row(
            "autocomplete",
            f"story p50 @{label}",
            ms(percentile(times, 50)),
            "ms",
            ms(percentile(base, 50)),
            note=stories,
            detail={"n": len(times)},
        ),
        Row(
            "autocomplete",
            f"story p99 @{label}",
            ms(percentile(times, 99)),
            "ms",
            ms(percentile(base, 99)),
            P99_GOAL,
            note=stories,
            detail={"n": len(times), "max_ms": round(ms(max(times)), 3)},
        ),
    ]
