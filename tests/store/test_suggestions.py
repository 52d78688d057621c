"""Members' prompt suggestions: the per-member limit holds when they arrive at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store.db import Database
from bot.store.suggestions import NewSuggestion, SuggestionStore


def _new(user: int, n: int) -> NewSuggestion:
    return NewSuggestion(
        guild_id=7,
        channel_id=1,
        user_id=user,
        author_name="Ann",
        text=f"Two rivals share one umbrella, take {n}.",
        trope=None,
        warnings=frozenset(),
        suggested_at="2026-01-01T10:00:00+00:00",
    )


async def test_six_at_once_from_one_member_store_three(empty_db: Path | str) -> None:
    db = await Database.open(empty_db)
    try:
        store = SuggestionStore(db)
        since = "2025-12-31T10:00:00+00:00"
        rows = await asyncio.gather(
            *(store.add(_new(5, n), limit=3, since=since) for n in range(6))
        )
        other = await store.add(_new(6, 0), limit=3, since=since)  # another member is not limited
        kept = [r for r in rows if r is not None]
        assert len(kept) == 3
        assert len({r.id for r in kept}) == 3
        assert other is not None and other.user_id == 6
        assert await store.recent_count(7, 5, since) == 3
    finally:
        await db.close()
