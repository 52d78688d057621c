"""One /excerpt's SQL round trips: the policy in one query, then the draw and its story
(the options are resolved before, in the cog's Transformers)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.context import Where
from bot.services.root import Services
from bot.settings import Settings
from bot.store.db import Database
from bot.store.library import PassageFilter

WHERE = Where(guild_id=10, channel_id=20, age_restricted=False)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    db = await Database.open(settings.database)
    clock = lambda: datetime(2026, 1, 1, tzinfo=UTC)  # noqa: E731
    s = Services.build(db, settings, clock=clock, rng=random.Random(1))
    await s.config.set_blocked(10, None, "violence", True, user_id=1)
    await s.config.set_max_rating(10, 20, "mature", user_id=1)
    yield s
    await db.close()


async def round_trips(s: Services, monkeypatch: pytest.MonkeyPatch, **options: str) -> int:
    """The calls into the connection's worker thread of one /excerpt (a warm one)."""
    conn = s.db.raw  # type: ignore[attr-defined]  # SQLite's aiosqlite connection
    calls = 0
    execute = conn._execute  # every statement and fetch of aiosqlite goes through it

    async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await execute(fn, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(conn, "_execute", counting)
        filt = PassageFilter(**options)  # as the cog builds it from resolved options
        drawn = await s.excerpts.draw(WHERE, filt)
        await s.actions.filter_code(filt)
    assert not hasattr(drawn, "message"), drawn
    return calls


@pytest.mark.sqlite_only  # counts calls into aiosqlite
@pytest.mark.parametrize("options", [{}, {"trope": "soulmates"}])
async def test_one_excerpt_is_four_round_trips(
    services: Services, monkeypatch: pytest.MonkeyPatch, options: dict[str, str]
) -> None:
    await round_trips(services, monkeypatch, **options)  # warms the vocabulary caches
    # the channel's policy, the driver's size, one probe round (the passage), its story
    assert await round_trips(services, monkeypatch, **options) == 4
