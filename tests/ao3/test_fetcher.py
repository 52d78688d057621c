"""The fetcher outside Discord: timeouts, the shared budget of two processes, Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import discord
import pytest

from bot.ao3.errors import DeletedError, RateLimitedError, UnavailableError
from bot.ao3.fetcher import retry_after
from bot.services.root import ao3_fetcher
from bot.settings import Settings
from bot.store.ao3 import Ao3Store, CachedPage
from bot.store.db import Database
from tests.ao3 import fake as ao3
from tests.ao3.fake import FakeAo3


@pytest.fixture
async def fake_ao3() -> AsyncIterator[FakeAo3]:
    async with ao3.running() as fake:
        yield fake


def ao3_settings(settings: Settings, fake: FakeAo3, **changes: float) -> Settings:
    return replace(settings, ao3_base=fake.base, contact="t@example.org", **changes)  # type: ignore[arg-type]


async def test_a_timeout_is_retried_then_answered_as_unreachable(
    settings: Settings, fake_ao3: FakeAo3
) -> None:
    conf = ao3_settings(settings, fake_ao3, ao3_timeout=0.1, ao3_backoff=0.01, ao3_min_interval=0)
    db = await Database.open(conf.database)
    fetcher = ao3_fetcher(db, conf, discord.utils.utcnow, __import__("random").Random(1), "main")
    try:
        with pytest.raises(UnavailableError, match="AO3 is down or unreachable right now"):
            await fetcher.page(f"/works/{ao3.SLOW}")
        assert len(fake_ao3.log) == 3
        with pytest.raises(UnavailableError):  # remembered: no fourth request
            await fetcher.page(f"/works/{ao3.SLOW}")
        assert len(fake_ao3.log) == 3
    finally:
        await fetcher.close()
        await db.close()


async def test_two_processes_sharing_a_database_share_one_budget(
    settings: Settings, fake_ao3: FakeAo3, tmp_path: Path
) -> None:
    conf = ao3_settings(settings, fake_ao3, ao3_min_interval=0.2)
    first, second = await Database.open(conf.database), await Database.open(conf.database)
    rng = __import__("random").Random(1)
    a = ao3_fetcher(first, conf, discord.utils.utcnow, rng, "a")
    b = ao3_fetcher(second, conf, discord.utils.utcnow, rng, "b")
    works = list(ao3.GENERATED)
    try:
        await asyncio.gather(
            *(a.page(f"/works/{w}") for w in works[:3]),
            *(b.page(f"/works/{w}") for w in works[3:6]),
        )
    finally:
        for closing in (a.close(), b.close(), first.close(), second.close()):
            await closing
    times = sorted(h.at for h in fake_ao3.log)
    assert len(times) == 6
    assert min(y - x for x, y in pairwise(times)) >= 0.19  # the sum of both stays spaced


async def test_a_429_pauses_every_process_sharing_the_database(
    settings: Settings, fake_ao3: FakeAo3
) -> None:
    conf = ao3_settings(settings, fake_ao3, ao3_min_interval=0)
    first, second = await Database.open(conf.database), await Database.open(conf.database)
    rng = __import__("random").Random(1)
    a = ao3_fetcher(first, conf, discord.utils.utcnow, rng, "a")
    b = ao3_fetcher(second, conf, discord.utils.utcnow, rng, "b")
    try:
        with pytest.raises(RateLimitedError, match="try again in 2 minutes"):
            await a.page(f"/works/{ao3.RATE_LIMITED}")
        with pytest.raises(RateLimitedError, match="try again in 2 minutes"):
            await b.page(f"/works/{ao3.TEEN}")
    finally:
        for closing in (a.close(), b.close(), first.close(), second.close()):
            await closing
    assert [h.path for h in fake_ao3.log] == [f"/works/{ao3.RATE_LIMITED}"]


async def _ten_pastes_of_a_deleted_work(
    settings: Settings, fake_ao3: FakeAo3, *, slow_cache: bool, min_interval: float
) -> list[object]:
    """What ten pastes at once of the same deleted work's link are answered."""
    conf = ao3_settings(settings, fake_ao3, ao3_min_interval=min_interval)
    db = await Database.open(conf.database)
    fetcher = ao3_fetcher(db, conf, discord.utils.utcnow, __import__("random").Random(1), "main")
    if slow_cache:
        fetcher.store = _SlowCache(db)
    try:
        return await asyncio.gather(
            *(fetcher.page(f"/works/{ao3.DELETED}") for _ in range(10)), return_exceptions=True
        )
    finally:
        await fetcher.close()
        await db.close()


class _SlowCache(Ao3Store):
    """A busy database: the first page lookup answers at once, every later one a second late."""

    lookups = 0

    async def cached(self, url: str, now: float) -> CachedPage | None:
        hit = await super().cached(url, now)
        if url.startswith("/works/"):
            self.lookups += 1
            if self.lookups > 1:
                await asyncio.sleep(1.0)
        return hit


@pytest.mark.parametrize(
    ("slow_cache", "min_interval"),
    [(False, 0.05), (True, 0.0)],
    ids=["spaced requests", "a cache that answers late"],
)
async def test_ten_pastes_at_once_of_a_failing_link_make_one_request(
    settings: Settings, fake_ao3: FakeAo3, slow_cache: bool, min_interval: float
) -> None:
    answers = await _ten_pastes_of_a_deleted_work(
        settings, fake_ao3, slow_cache=slow_cache, min_interval=min_interval
    )
    assert all(isinstance(a, DeletedError) for a in answers)
    assert len(fake_ao3.log) == 1


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    later = (now + timedelta(minutes=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after(later, now) == 180
    assert retry_after(None, now) == 60
    assert retry_after("soon", now) == 60
