"""/excerpt latency: `LibraryStore.random_passage` against a bare primary-key SELECT."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from bench.build import LibraryInfo, warm_file
from bench.measure import Budget, Goal, Row, ms, percentile, sample, size_label
from bench.textgen import RARE_VOCABULARY, rare_word, seed_corpus
from bench.vocab import Vocab, load_vocab
from bot.policy import Eligibility
from bot.store.db import Database
from bot.store.library import LibraryStore, PassageFilter

P99_GOAL = Goal("<=", 5.0, unit="ms")
P99_GOAL_SERVER = Goal("<=", 10.0, unit="ms")  # PostgreSQL: a round trip to a server
BARE_SQL = (
    "SELECT id, story_id, chapter, first_line, last_line, text, warn_mask "
    "FROM passages WHERE id = ?"
)


@dataclass(frozen=True, slots=True)
class Case:
    """One way of asking for an excerpt."""

    name: str
    filt: PassageFilter
    elig: Eligibility


def cases(vocab: Vocab | None = None) -> list[Case]:
    """Unfiltered, trope, character, query and blocked-warning requests (from the vocab)."""
    v = vocab or load_vocab()
    anything = Eligibility(max_rank=v.max_rank, blocked=frozenset())
    channel = Eligibility(max_rank=v.default_max_rank, blocked=v.default_blocked)
    tropes = sorted(v.tropes, key=lambda t: -t.weight)
    return [
        Case("unfiltered", PassageFilter(), anything),
        Case(f"trope {tropes[0].slug}", PassageFilter(trope=tropes[0].slug), anything),
        Case(f"trope {tropes[-1].slug} (rare)", PassageFilter(trope=tropes[-1].slug), anything),
        Case(
            f"character {v.characters[0].name}",
            PassageFilter(character=v.characters[0].name),
            anything,
        ),
        Case(
            f"character {v.characters[-1].name} (minor)",
            PassageFilter(character=v.characters[-1].name),
            anything,
        ),
        Case(f"query {common_query()}", PassageFilter(query=common_query()), anything),
        Case(f"query {rare_query()} (rare)", PassageFilter(query=rare_query()), anything),
        Case("blocked warnings (default channel)", PassageFilter(), channel),
        Case(
            f"trope {tropes[0].slug} + default channel",
            PassageFilter(trope=tropes[0].slug),
            channel,
        ),
    ]


def common_query() -> str:
    """A seed-corpus word in about 1 sentence of 200 (≈ 5 % of passages)."""
    corpus = seed_corpus()
    lowered = [s.lower() for s in corpus.sentences]
    target = len(lowered) / 200
    best, gap = corpus.words_by_frequency[0], float("inf")
    for word in corpus.words_by_frequency[:400]:
        if len(word) < 6:
            continue
        count = sum(1 for s in lowered if word in s)
        if abs(count - target) < gap:
            best, gap = word, abs(count - target)
    return best


def rare_query() -> str:
    """An invented word of the long tail (a handful of passages per million)."""
    return rare_word(RARE_VOCABULARY // 100)


async def bench_excerpt(
    info: LibraryInfo, budget: Budget, seed: int = 1, server_copy: str | None = None
) -> list[Row]:
    """p50/p99 of random_passage per case, beside the bare SELECT by id (on the SQLite
    library, or on its copy in PostgreSQL at `server_copy`)."""
    label = size_label(info.passages)
    goal = P99_GOAL
    if server_copy is None:
        await asyncio.to_thread(warm_file, info.db)
        db = await Database.open(info.db)
    else:
        label, goal = f"{label} postgresql", P99_GOAL_SERVER
        db = await Database.open(server_copy)
    rows: list[Row] = []
    try:
        library = LibraryStore(db)
        guild = info.reader_guild
        top = int(await db.scalar("SELECT max(id) FROM passages") or 1)
        base_rng = random.Random(seed)

        async def bare() -> None:
            await db.fetchone(BARE_SQL, (base_rng.randint(1, top),))

        base = await sample(bare, budget)
        b50, b99 = ms(percentile(base, 50)), ms(percentile(base, 99))
        rows.append(
            Row("excerpt", f"bare SELECT by id p50 @{label}", b50, "ms", detail={"n": len(base)})
        )
        for case in cases():
            rng = random.Random(f"{seed}:{case.name}")
            found = 0

            async def call(case: Case = case, rng: random.Random = rng) -> None:
                nonlocal found
                found += await library.random_passage(guild, case.filt, case.elig, rng) is not None

            times = await sample(call, budget)
            matching = await library.count_passages(guild, case.filt, case.elig)
            detail = {
                "n": len(times),
                "matching": matching,
                "visible": info.reader_visible_passages,
                "share": round(matching / max(1, info.reader_visible_passages), 5),
                "found_rate": round(found / max(1, len(times) + budget.warmup), 3),
                "max_ms": round(ms(max(times)), 3),
            }
            note = f"{matching:,} match ({100 * detail['share']:.2g} %)"
            rows.append(
                Row(
                    "excerpt",
                    f"{case.name} p50 @{label}",
                    ms(percentile(times, 50)),
                    "ms",
                    b50,
                    note=note,
                    detail=detail,
                )
            )
            rows.append(
                Row(
                    "excerpt",
                    f"{case.name} p99 @{label}",
                    ms(percentile(times, 99)),
                    "ms",
                    b99,
                    goal,
                    note=f"n={len(times)}",
                    detail=detail,
                )
            )
    finally:
        await db.close()
    return rows


def growth_rows(rows: list[Row], sizes: list[int]) -> list[Row]:
    """Unfiltered p50 at the largest size over the smallest, against the bare SELECT's."""
    if len(sizes) < 2:
        return []
    small, large = size_label(min(sizes)), size_label(max(sizes))

    def value(metric: str) -> float | None:
        return next((r.value for r in rows if r.metric == metric), None)

    got = [value(f"unfiltered p50 @{large}"), value(f"unfiltered p50 @{small}")]
    bare = [value(f"bare SELECT by id p50 @{large}"), value(f"bare SELECT by id p50 @{small}")]
    if None in got or None in bare:
        return []
    return [
        Row(
            "excerpt",
            f"unfiltered p50 growth {large}/{small}",
            got[0] / got[1],
            "×",
            bare[0] / bare[1],
            Goal("<=", 1.5, on="ratio"),  # type: ignore[operator]
            note="baseline: the bare SELECT's growth",
        )
    ]
