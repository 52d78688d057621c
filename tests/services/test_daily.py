"""The daily service's delivery decisions, with a fake courier instead of Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.daily import (
    CHANNEL_GONE,
    NOT_ALLOWED,
    RETRY_AFTER,
    DailyService,
    Failed,
    NotAllowed,
    Outcome,
    Post,
    Sent,
)
from bot.services.root import Services
from bot.settings import Settings
from bot.store.db import Database

GUILD, CHANNEL = 10, 20
SET_AT = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 1, 1, 9, 1, tzinfo=UTC)


@dataclass
class FakeCourier:
    outcomes: list[Outcome]
    reachable_: bool = True
    landed_: int | None = None
    sent: list[Post] = field(default_factory=list)

    def age_restricted(self, channel_id: int) -> bool:
        return False

    def reachable(self, channel_id: int) -> bool:
        return self.reachable_

    async def landed(self, post: Post) -> int | None:
        return self.landed_

    async def send(self, post: Post) -> Outcome:
        self.sent.append(post)
        return self.outcomes.pop(0)


@pytest.fixture
async def daily(settings: Settings) -> AsyncIterator[DailyService]:
    now = [SET_AT]
    db = await Database.open(settings.database)
    services = Services.build(db, settings, clock=lambda: now[0])
    await services.daily.set(
        GUILD, CHANNEL, at=time(9), zone=ZoneInfo("UTC"), trope=None, role_id=None, user_id=1
    )
    now[0] = DUE
    try:
        yield services.daily
    finally:
        await services.close()
        await db.close()


async def _posts(daily: DailyService) -> list[tuple[int | None, str | None, int]]:
    rows = await daily.store.db.fetchall("SELECT message_id, last_error, attempts FROM daily_posts")
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_transient_failure_is_retried_once_and_posted_once(daily: DailyService) -> None:
    courier = FakeCourier([Failed("HTTP 500"), Sent(77)])
    assert await daily.round(DUE, courier) == RETRY_AFTER
    assert await _posts(daily) == [(None, "HTTP 500", 1)]
    later = DUE + timedelta(seconds=RETRY_AFTER)
    assert await daily.round(later, courier) > RETRY_AFTER
    assert await _posts(daily) == [(77, None, 2)]
    await daily.round(later + timedelta(hours=1), courier)
    assert len(courier.sent) == 2, "nothing more once sent"


async def test_a_retry_that_landed_anyway_is_not_sent_again(daily: DailyService) -> None:
    courier = FakeCourier([Failed("timeout")])
    await daily.round(DUE, courier)
    courier.landed_ = 88
    await daily.round(DUE + timedelta(minutes=1), courier)
    assert len(courier.sent) == 1
    assert await _posts(daily) == [(88, None, 1)]


@pytest.mark.parametrize(
    ("courier", "reason"),
    [
        (FakeCourier([NotAllowed()]), NOT_ALLOWED),
        (FakeCourier([], reachable_=False), CHANNEL_GONE),
    ],
)
async def test_a_refusing_channel_pauses_its_schedule(
    daily: DailyService, courier: FakeCourier, reason: str
) -> None:
    await daily.round(DUE, courier)
    [view] = await daily.show(GUILD)
    assert view.schedule.paused == reason
    assert view.next_post is None
